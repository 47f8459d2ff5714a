using EdgeSync.Api.Edge;
using EdgeSync.Lineages;

namespace EdgeSync.Tests.Lineages;

[Trait("Category", "Fast")]
public sealed class LineageEventNamesTests
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
    public void Notifications_are_raised_by_names_events_are_stored_under()
    {
        Assert.All(GovernanceNotifications.ByEventType.Keys, name => Assert.Contains(name, LineageEventNames.ByType.Values));
    }
}
