using System.Net;
using System.Text.Json;
using EdgeSync.Lineages;
using EdgeSync.Tests.Infrastructure;
using JasperFx.Events;
using Marten;
using Marten.Services;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using Npgsql;

namespace EdgeSync.Tests.Lineages;

/// <summary>
/// How a lineage is stored: the grain writes its folded state as the snapshot document itself
/// (no inline projection) every few events, and events are appended with the expected stream version.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class LineageStoreTests(NodeFixture node)
{
    private IDocumentStore Store => node.Services.GetRequiredService<IDocumentStore>();

    [Fact]
    public async Task The_snapshot_with_the_events_after_it_and_the_view_equal_the_fold_of_the_lineage_events()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(node);
        using var source = new SqliteSource("meter", "id INTEGER PRIMARY KEY NOT NULL, kwh REAL, label TEXT");
        long next = 1;
        async Task PublishAsync(int rows)
        {
            for (var i = 0; i < rows; i++, next++)
                source.Upsert(new Dictionary<string, object?> { ["id"] = next % 7, ["kwh"] = next * 1.5, ["label"] = $"m{next}" });
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);
        }

        // Staged for review, approved, replayed, written live, paused and resumed by an operator.
        await PublishAsync(5);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        var review = await api.OpenReviewAsync(lineageId);
        await api.ApproveAsync(review.GetProperty("id").GetGuid(),
            [new { source_column_name = "id", action = "mirror" }, new { source_column_name = "kwh", action = "mirror" }, new { source_column_name = "label", action = "mirror" }]);
        await api.WaitForBacklogDrainedAsync(lineageId);
        await PublishAsync(4);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/lineages/{lineageId}/pause", new { reason = "meter swap" })).StatusCode);
        await PublishAsync(3);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"/lineages/{lineageId}/resume")).StatusCode);
        await api.WaitForBacklogDrainedAsync(lineageId);
        // Enough live batches for the stream to pass a snapshot.
        for (var i = 0; i < 12; i++)
            await PublishAsync(2);
        await Eventually.GetAsync(() => api.LineageAsync(lineageId),
            l => l.GetProperty("counters").GetProperty("rows_received").GetInt64() == next - 1, null, "every row to be counted");

        await using var session = Store.QuerySession();
        var snapshot = await session.LoadAsync<Lineage>(lineageId);
        var events = (await session.Events.FetchStreamAsync(lineageId)).Select(e => (LineageEvent)e.Data).ToList();
        var folded = Lineage.Fold(null, events);
        var loaded = await node.Services.GetRequiredService<LineageStore>().LoadAsync(lineageId);

        // The snapshot is the fold of the stream up to a multiple of the snapshot interval (or the first commit).
        Assert.NotNull(snapshot);
        Assert.True(events.Count > LineageTransaction.SnapshotEvery, $"only {events.Count} events: the history must span a snapshot interval");
        Assert.Equal(JsonSerializer.Serialize(Lineage.Fold(null, events.Take((int)snapshot.Version))), JsonSerializer.Serialize(snapshot));
        Assert.Equal(events.Count, folded.Version);
        Assert.Equal(JsonSerializer.Serialize(folded), JsonSerializer.Serialize(loaded));
        // The operators' view is written with every commit.
        var view = await session.LoadAsync<EdgeSync.Lineages.LineageView>(lineageId);
        Assert.Equal(JsonSerializer.Serialize(EdgeSync.Lineages.LineageView.From(folded)), JsonSerializer.Serialize(view));
    }

    [Fact]
    public async Task Two_writers_at_the_same_expected_version_one_is_refused_and_nothing_is_written_twice()
    {
        var dataSource = node.Services.GetRequiredService<NpgsqlDataSource>();
        var lineageId = Guid.CreateVersion7();
        var at = DateTimeOffset.UtcNow;
        await using (var session = Store.LightweightSession())
        {
            session.Events.StartStream<Lineage>(lineageId,
                new LineageCreated(lineageId, Guid.CreateVersion7(), Guid.CreateVersion7(), "gw", "meter", at, "test"));
            await session.SaveChangesAsync();
        }
        var firstBatch = Guid.CreateVersion7();
        var secondBatch = Guid.CreateVersion7();

        await using var firstConnection = await dataSource.OpenConnectionAsync();
        await using var first = await firstConnection.BeginTransactionAsync();
        await using var secondConnection = await dataSource.OpenConnectionAsync();
        await using var second = await secondConnection.BeginTransactionAsync();
        await AppendAsync(first, lineageId, expectedVersion: 2, Staged(lineageId, firstBatch, at));
        // Both writers saw version 1. The second waits on the first's uncommitted event, or
        // starts after the commit: either way it must be refused.
        var late = AppendAsync(second, lineageId, expectedVersion: 2, Staged(lineageId, secondBatch, at));
        await first.CommitAsync();
        await Assert.ThrowsAsync<EventStreamUnexpectedMaxEventIdException>(() => late);
        await second.RollbackAsync();

        await using var query = Store.QuerySession();
        var events = await query.Events.FetchStreamAsync(lineageId);
        Assert.Equal(2, events.Count);
        Assert.Equal(firstBatch, Assert.IsType<BatchStaged>(events[1].Data).BatchId);
        Assert.Equal(2, (await query.Events.FetchStreamStateAsync(lineageId))!.Version);
    }

    private async Task AppendAsync(NpgsqlTransaction transaction, Guid lineageId, long expectedVersion, object e)
    {
        await using var session = Store.LightweightSession(SessionOptions.ForTransaction(transaction));
        session.Events.Append(lineageId, expectedVersion, e);
        await session.SaveChangesAsync();
    }

    private static BatchStaged Staged(Guid lineageId, Guid batchId, DateTimeOffset at) =>
        new(lineageId, batchId, Guid.CreateVersion7(), 1, 1, 1, 1, 0, 10, StagingReason.SchemaReview, at, "test");
}
