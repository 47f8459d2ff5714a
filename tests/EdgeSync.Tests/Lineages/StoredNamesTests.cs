using EdgeSync.Api.Edge;
using EdgeSync.Lineages;
using EdgeSync.Mirrors;
using EdgeSync.Storage;
using EdgeSync.Wire;

namespace EdgeSync.Tests.Lineages;

[Trait("Category", "Fast")]
public sealed class StoredNamesTests
{
    private static readonly Type[] EventTypes = typeof(LineageEvent).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(LineageEvent)))
        .ToArray();

    [Fact]
    public void Every_lineage_event_is_sealed_and_stored_under_a_pinned_name_of_its_own()
    {
        Assert.NotEmpty(EventTypes);
        Assert.All(EventTypes, t => Assert.True(t.IsSealed, $"{t.Name} is not sealed"));
        Assert.Equal(EventTypes.OrderBy(t => t.Name), LineageEventNames.ByType.Keys.OrderBy(t => t.Name));
        Assert.Equal(LineageEventNames.ByType.Count, LineageEventNames.ByType.Values.Distinct().Count());
    }

    [Fact]
    public void Enum_values_are_stored_and_served_under_the_names_every_release_used()
    {
        Assert.Equal(["active", "paused"], EnumNames.All<LineageStatus>());
        Assert.Equal(["schema_review", "backpressure", "circuit_breaker", "operator"], EnumNames.All<PauseReason>());
        Assert.Equal(["schema_review", "lineage_paused", "materialization_failed", "behind_backlog", "requeued"], EnumNames.All<StagingReason>());
        Assert.Equal(["running", "completed", "failed"], EnumNames.All<ReplayStatus>());
        Assert.Equal(["compatible_mapped", "compatible_additive", "ambiguous", "breaking", "unknown"], EnumNames.All<SchemaClassification>());
        Assert.Equal(["queued", "in_review", "approved", "rejected", "abandoned"], EnumNames.All<ReviewState>());
        Assert.Equal(["mirror", "map", "ignore", "defer"], EnumNames.All<BindingAction>());
        Assert.Equal(["pause", "quarantine"], EnumNames.All<EdgeSync.Registry.PermanentRowErrorAction>());
        Assert.Equal([ControlMessage.PauseLineage, ControlMessage.ResumeLineage, ControlMessage.UrlGrant], EnumNames.All<ControlKind>());
        Assert.Equal(["per_device", "coalesced"], EnumNames.All<EdgeSync.Registry.MirrorLayout>());
    }

    [Fact]
    public void Notifications_are_raised_by_names_events_are_stored_under()
    {
        Assert.All(GovernanceNotifications.ByEventType.Keys, name => Assert.Contains(name, LineageEventNames.ByType.Values));
    }
}
