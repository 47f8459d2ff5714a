using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;
using Npgsql;

namespace EdgeSync.Tests.Governance;

[Collection(NodeCollection.Name)]
public sealed class EventStreamTests(NodeFixture node)
{
    private const string Queued = "edge.schema_review.queued";
    private const string Approved = "edge.schema_review.approved";
    private const string Paused = "edge.lineage.paused";
    private const string Resumed = "edge.lineage.resumed";
    private const string Materialized = "edge.batch.materialized";
    private const string ControlRequested = "edge.control.requested";

    private static readonly object[] MirrorAll =
    [
        new { source_column_name = "id", action = "mirror" },
        new { source_column_name = "rpm", action = "mirror" },
    ];

    private static string StreamPath(Guid projectId, string query = "") => $"/core/api/v1/projects/{projectId}/edge/events/stream{query}";

    /// <summary>The governance notifications of the full cycle, control requests left aside (they are not this test's subject).</summary>
    private static List<string> Governance(IEnumerable<SseMessage> messages) =>
        messages.Select(m => m.Event).Where(e => e != ControlRequested).ToList();

    private sealed class Cycle(RegisteredDevice device, EdgeApi api, TestDevice mqtt, SqliteSource source) : IAsyncDisposable
    {
        public RegisteredDevice Device => device;
        public EdgeApi Api => api;
        public Guid LineageId { get; private set; }

        public static async Task<Cycle> StartAsync(NodeFixture node, Guid? projectId = null)
        {
            var device = await Fleet.RegisterDeviceAsync(node, projectId);
            var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
            var mqtt = await device.ConnectAsync(node);
            return new Cycle(device, api, mqtt, new SqliteSource("pump", "id INTEGER PRIMARY KEY, rpm INTEGER"));
        }

        public async Task PublishAsync(long id, long rpm)
        {
            source.Upsert(new Dictionary<string, object?> { ["id"] = id, ["rpm"] = rpm });
            Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);
        }

        /// <summary>The first batch: a lineage, a queued review, a schema_review pause.</summary>
        public async Task FirstBatchAsync()
        {
            await PublishAsync(1, 100);
            LineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        }

        public async Task ApproveAsync()
        {
            await api.ApproveAsync((await api.OpenReviewAsync(LineageId)).GetProperty("id").GetGuid(), MirrorAll);
            await api.WaitForBacklogDrainedAsync(LineageId);
        }

        public async ValueTask DisposeAsync()
        {
            await mqtt.DisposeAsync();
            source.Dispose();
            api.Dispose();
        }
    }

    [Fact]
    public async Task A_full_cycle_is_delivered_in_order_on_an_open_stream()
    {
        await using var cycle = await Cycle.StartAsync(node);
        using var viewer = node.CreateClient($"{cycle.Device.ProjectId}:PROJECT_CAN_VIEW_DEVICES");
        await using var stream = await SseStream.OpenAsync(viewer, StreamPath(cycle.Device.ProjectId));

        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        Assert.True(stream.Response.Headers.CacheControl?.NoCache);
        Assert.Equal("no", Assert.Single(stream.Response.Headers.GetValues("X-Accel-Buffering")));

        await cycle.FirstBatchAsync();
        var messages = await stream.ReadUntilAsync(m => Governance(m).Contains(Paused));
        await cycle.ApproveAsync();
        messages.AddRange(await stream.ReadUntilAsync(m => Governance(m).Contains(Resumed)));
        await cycle.PublishAsync(2, 200);
        messages.AddRange(await stream.ReadUntilAsync(m => Governance(m).Contains(Materialized)));

        Assert.Equal([Queued, Paused, Approved, Resumed, Materialized], Governance(messages));
        AssertStrictlyIncreasing(messages);
        foreach (var message in messages)
        {
            var data = message.Data;
            Assert.Equal(message.Event, data.GetProperty("type").GetString());
            Assert.Equal(message.Id, data.GetProperty("sequence").GetInt64());
            Assert.Equal(cycle.LineageId, data.GetProperty("lineage_id").GetGuid());
            Assert.Equal(cycle.Device.DeviceId, data.GetProperty("device_id").GetGuid());
            Assert.Equal("pump", data.GetProperty("source_table").GetString());
            Assert.EndsWith("Z", data.GetProperty("at").GetString());
            // The event's own data, in the API's snake_case.
            Assert.Equal(cycle.LineageId, data.GetProperty("data").GetProperty("lineage_id").GetGuid());
        }
        var queued = messages.First(m => m.Event == Queued).Data.GetProperty("data");
        var approved = messages.First(m => m.Event == Approved).Data.GetProperty("data");
        Assert.Equal(queued.GetProperty("review_id").GetGuid(), approved.GetProperty("review_id").GetGuid());
        Assert.Equal("schema_review", messages.First(m => m.Event == Paused).Data.GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal(1, messages.First(m => m.Event == Materialized).Data.GetProperty("data").GetProperty("rows_applied").GetInt32());
    }

    [Fact]
    public async Task A_client_that_reconnects_with_Last_Event_ID_gets_the_rest_none_missing_none_repeated()
    {
        await using var cycle = await Cycle.StartAsync(node);
        var projectId = cycle.Device.ProjectId;
        using var viewer = node.CreateClient($"{projectId}:PROJECT_CAN_VIEW_DEVICES");

        List<SseMessage> before;
        await using (var first = await SseStream.OpenAsync(viewer, StreamPath(projectId)))
        {
            await cycle.FirstBatchAsync();
            before = await first.ReadUntilAsync(m => Governance(m).Contains(Paused));
        }

        // While nobody listens: approval, replay, a live batch.
        await cycle.ApproveAsync();
        await cycle.PublishAsync(2, 200);

        // The URL still says after=0, as an EventSource's would: the header must win.
        await using var second = await SseStream.OpenAsync(viewer, StreamPath(projectId, "?after=0"), lastEventId: before[^1].Id);
        var after = await second.ReadUntilAsync(m => Governance(m).Contains(Materialized));

        await using var all = await SseStream.OpenAsync(viewer, StreamPath(projectId, "?after=0"));
        var everything = await all.ReadUntilAsync(m => Governance(m).Contains(Materialized));

        Assert.Equal(everything.Select(m => m.Id), before.Concat(after).Select(m => m.Id));
        Assert.Equal([Queued, Paused, Approved, Resumed, Materialized], Governance(before.Concat(after)));
        AssertStrictlyIncreasing(before.Concat(after).ToList());

        // ?after=n resumes the same way as the header.
        await using var byQuery = await SseStream.OpenAsync(viewer, StreamPath(projectId, $"?after={before[^1].Id}"));
        var sameRest = await byQuery.ReadUntilAsync(m => Governance(m).Contains(Materialized));
        Assert.Equal(after.Select(m => m.Id), sameRest.Select(m => m.Id));
    }

    [Fact]
    public async Task An_event_whose_transaction_commits_late_with_a_lower_sequence_is_not_skipped()
    {
        await using var cycle = await Cycle.StartAsync(node);
        var projectId = cycle.Device.ProjectId;
        using var viewer = node.CreateClient($"{projectId}:PROJECT_CAN_VIEW_DEVICES");
        await using var stream = await SseStream.OpenAsync(viewer, StreamPath(projectId));

        // An appender that took its sequence number and has not committed yet.
        await using var slow = new NpgsqlConnection(node.ConnectionString);
        await slow.OpenAsync();
        await using var transaction = await slow.BeginTransactionAsync();
        var lowSequence = (long)(await new NpgsqlCommand("SELECT nextval('edgesync.mt_events_sequence')", slow, transaction).ExecuteScalarAsync())!;

        // Higher sequences commit meanwhile; none may go out while the lower one can still appear.
        await cycle.FirstBatchAsync();
        Assert.Empty(await stream.ReadForAsync(TimeSpan.FromSeconds(2)));

        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO edgesync.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type)
            VALUES (@seq, gen_random_uuid(), @stream, 1000000, @data::jsonb, 'lineage_paused', now(), '*DEFAULT*', 'EdgeSync.Lineages.LineagePaused, EdgeSync.Grains')
            """, slow, transaction))
        {
            insert.Parameters.AddWithValue("seq", lowSequence);
            insert.Parameters.AddWithValue("stream", cycle.LineageId);
            insert.Parameters.AddWithValue("data", JsonSerializer.Serialize(new
            {
                LineageId = cycle.LineageId, Reason = "operator", At = DateTimeOffset.UtcNow, Actor = "test", Note = "late_commit",
            }));
            await insert.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();

        var messages = await stream.ReadUntilAsync(m => Governance(m).Contains(Queued) && Governance(m).Count(e => e == Paused) == 2);
        Assert.Equal(lowSequence, messages[0].Id);
        Assert.Equal("late_commit", messages[0].Data.GetProperty("data").GetProperty("note").GetString());
        AssertStrictlyIncreasing(messages);

        // A number taken and rolled back leaves a gap that must not hold the stream up for long.
        await using (var aborted = await slow.BeginTransactionAsync())
        {
            await new NpgsqlCommand("SELECT nextval('edgesync.mt_events_sequence')", slow, aborted).ExecuteScalarAsync();
            await cycle.Api.ApproveAsync((await cycle.Api.OpenReviewAsync(cycle.LineageId)).GetProperty("id").GetGuid(), MirrorAll);
            await aborted.RollbackAsync();
        }
        var started = DateTime.UtcNow;
        var rest = await stream.ReadUntilAsync(m => Governance(m).Contains(Resumed), TimeSpan.FromSeconds(10));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
        Assert.Equal([Approved, Resumed], Governance(rest));
    }

    [Fact]
    public async Task Another_projects_events_never_appear_and_access_needs_a_token_with_a_grant_on_the_project()
    {
        await using var mine = await Cycle.StartAsync(node);
        await using var theirs = await Cycle.StartAsync(node);
        var projectId = mine.Device.ProjectId;

        using (var anonymous = node.CreateClient())
        {
            var response = await anonymous.GetAsync(StreamPath(projectId), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        using (var other = node.CreateClient($"{theirs.Device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"))
        {
            var response = await other.GetAsync(StreamPath(projectId), HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using var viewer = node.CreateClient($"{projectId}:PROJECT_CAN_VIEW_DEVICES");
        foreach (var (query, header) in new[] { ("?after=-1", (string?)null), ("?after=x", null), ("", "abc") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, StreamPath(projectId, query));
            if (header is not null)
                request.Headers.Add("Last-Event-ID", header);
            var response = await viewer.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("validation_failed", await response.Content.ReadAsStringAsync());
        }

        await using var stream = await SseStream.OpenAsync(viewer, StreamPath(projectId, "?after=0"));
        // The other project's cycle runs first, so its events would come before ours if they leaked.
        await theirs.FirstBatchAsync();
        await theirs.ApproveAsync();
        await mine.FirstBatchAsync();
        var messages = await stream.ReadUntilAsync(m => Governance(m).Contains(Paused));
        messages.AddRange(await stream.ReadForAsync(TimeSpan.FromSeconds(1)));
        Assert.Equal([Queued, Paused], Governance(messages));
        Assert.All(messages, m =>
        {
            Assert.Equal(mine.LineageId, m.Data.GetProperty("lineage_id").GetGuid());
            Assert.Equal(mine.Device.DeviceId, m.Data.GetProperty("device_id").GetGuid());
        });
    }

    private static void AssertStrictlyIncreasing(IReadOnlyList<SseMessage> messages)
    {
        for (var i = 1; i < messages.Count; i++)
            Assert.True(messages[i].Id > messages[i - 1].Id, $"ids out of order: {messages[i - 1].Id} then {messages[i].Id}");
    }
}

public sealed record SseMessage(long Id, string Event, JsonElement Data);

/// <summary>A server-sent events client over the in-memory test server: reads messages with deadlines.</summary>
public sealed class SseStream : IAsyncDisposable
{
    private readonly StreamReader _reader;
    private Task<string?>? _pendingLine;

    private SseStream(HttpResponseMessage response, StreamReader reader)
    {
        Response = response;
        _reader = reader;
    }

    public HttpResponseMessage Response { get; }

    public static async Task<SseStream> OpenAsync(HttpClient client, string path, long? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is { } id)
            request.Headers.Add("Last-Event-ID", id.ToString());
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new HttpRequestException($"{(int)response.StatusCode} {path}: {await response.Content.ReadAsStringAsync()}");
        return new SseStream(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    /// <summary>Messages until <paramref name="done"/> holds for those read by this call; fails after the timeout.</summary>
    public async Task<List<SseMessage>> ReadUntilAsync(Func<List<SseMessage>, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var messages = new List<SseMessage>();
        while (!done(messages))
        {
            var message = await NextAsync(deadline)
                ?? throw new TimeoutException($"stream gave no further message; so far: {string.Join(", ", messages.Select(m => $"{m.Id}:{m.Event}"))}");
            messages.Add(message);
        }
        return messages;
    }

    /// <summary>Every message that arrives within <paramref name="duration"/>.</summary>
    public async Task<List<SseMessage>> ReadForAsync(TimeSpan duration)
    {
        var deadline = DateTime.UtcNow + duration;
        var messages = new List<SseMessage>();
        while (await NextAsync(deadline) is { } message)
            messages.Add(message);
        return messages;
    }

    /// <summary>The next message, or null when the deadline passes first (a line being read is kept for the next call).</summary>
    private async Task<SseMessage?> NextAsync(DateTime deadline)
    {
        long? id = null;
        string? eventName = null;
        var data = new List<string>();
        while (true)
        {
            _pendingLine ??= _reader.ReadLineAsync();
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero || await Task.WhenAny(_pendingLine, Task.Delay(remaining)) != _pendingLine)
            {
                if (id is not null || data.Count > 0)
                    throw new InvalidOperationException("deadline passed in the middle of a message");
                return null;
            }
            var line = await _pendingLine;
            _pendingLine = null;
            if (line is null)
                throw new EndOfStreamException("the server closed the stream");
            if (line.Length == 0)
            {
                if (data.Count == 0)
                    continue;
                using var document = JsonDocument.Parse(string.Join('\n', data));
                return new SseMessage(id ?? throw new InvalidOperationException("message without id"), eventName ?? "message", document.RootElement.Clone());
            }
            if (line.StartsWith(':'))
                continue;
            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id": id = long.Parse(value); break;
                case "event": eventName = value; break;
                case "data": data.Add(value); break;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Response.Dispose();
        _reader.Dispose();
        return ValueTask.CompletedTask;
    }
}
