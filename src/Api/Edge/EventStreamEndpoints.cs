using System.Text.Json;
using EdgeSync.Api.Http;
using EdgeSync.Lineages;
using EdgeSync.Storage;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace EdgeSync.Api.Edge;

/// <summary>
/// <c>GET /projects/{project_id}/edge/events/stream</c>: the governance notifications of the
/// project's lineages (see <see cref="GovernanceNotifications"/>) as server-sent events. The SSE
/// id is Marten's global event sequence, so <c>Last-Event-ID</c> / <c>?after=</c> resume exactly.
/// </summary>
public static class EventStreamEndpoints
{
    public const string LastEventIdHeader = "Last-Event-ID";

    public static RouteGroupBuilder MapEventStreamEndpoints(this RouteGroupBuilder edge)
    {
        edge.MapGet("/events/stream", Stream)
            .WithName("streamEvents")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .WithSummary("Governance notifications of the project's lineages, as server-sent events")
            .WithDescription(
                "One message per notification: id = global event sequence, event = notification type, data = " +
                "{ type, sequence, lineage_id, device_id, source_table, at, data }. Resume with Last-Event-ID (or ?after=n): " +
                "every notification with a greater sequence follows, in order. Without either the stream starts now; " +
                "?after=0 starts from the beginning. A ': keep-alive' comment is sent every 15 s when idle.");
        return edge;
    }

    private static async Task<IResult> Stream(
        [FromRoute(Name = "project_id")] Guid projectId,
        [FromQuery(Name = "after")] long? after,
        [FromHeader(Name = LastEventIdHeader)] string? lastEventId,
        NpgsqlDataSource dataSource, EdgeStoreSettings settings, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (after < 0)
            errors["after"] = ["Must be 0 or greater."];
        long? resumeFrom = null;
        if (!string.IsNullOrWhiteSpace(lastEventId))
        {
            if (long.TryParse(lastEventId.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
                resumeFrom = id;
            else
                errors[LastEventIdHeader] = ["Must be the id of an event of this stream (a non-negative integer)."];
        }
        if (errors.Count > 0)
            return ApiProblem.Validation(errors);

        // Last-Event-ID wins over ?after: a browser EventSource reconnects to the same URL (which
        // may still say after=0) and only the header tells how far it actually got.
        // The "now" position (highest committed sequence) is fixed before the response starts, so
        // a client that has the response headers gets every event appended after that. An append
        // already in flight with a lower number counts as "before now"; clients that need exact
        // continuity resume by id.
        var start = resumeFrom ?? after ?? await SequenceHighWater.CurrentAsync(dataSource, settings, ct);
        return new GovernanceEventStream(projectId, start);
    }
}

/// <summary>
/// The streaming response: polls Marten for the project's governance events past a position.
/// <paramref name="notifications"/> maps the event types to send to their message names (the
/// governance notifications unless given; the board's change feed sends every lineage event), and
/// <paramref name="messageName"/>, when given, is the SSE event name of every message (one listener
/// for all of them; the data still says which event it was).
/// </summary>
internal sealed class GovernanceEventStream(
    Guid projectId, long after, IReadOnlyDictionary<string, string>? notifications = null, string? messageName = null) : IResult
{
    private readonly IReadOnlyDictionary<string, string> _notifications = notifications ?? GovernanceNotifications.ByEventType;

    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);
    private const int PageSize = 200;

    public async Task ExecuteAsync(HttpContext http)
    {
        var services = http.RequestServices;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("EdgeSync.Api.Edge.EventStream");
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        // Ends on client disconnect, and on shutdown (an open stream must not hold the host up).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var ct = stop.Token;

        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        try
        {
            await response.StartAsync(ct);
            await response.Body.FlushAsync(ct);
            await PumpAsync(services, new SseWriter(response.Body), logger, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Client gone or host stopping: nothing to report.
        }
        catch (IOException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e) when (response.HasStarted)
        {
            // The status is already 200; ending the stream makes the client reconnect with its
            // Last-Event-ID, which loses nothing.
            logger.LogWarning(e, "Governance event stream of project {ProjectId} failed; closing it", projectId);
        }
        finally
        {
            logger.LogDebug("Governance event stream of project {ProjectId} closed", projectId);
        }
    }

    private async Task PumpAsync(IServiceProvider services, SseWriter writer, ILogger logger, CancellationToken ct)
    {
        var store = services.GetRequiredService<IDocumentStore>();
        var json = services.GetRequiredService<IOptions<HttpJsonOptions>>().Value.SerializerOptions;
        var clock = services.GetRequiredService<TimeProvider>();
        var highWater = new SequenceHighWater(
            services.GetRequiredService<NpgsqlDataSource>(), services.GetRequiredService<EdgeStoreSettings>(), after, clock, logger);

        // Lineages never change project, so ids once seen stay valid (even if the lineage is deleted
        // before its last events went out).
        var lineages = new Dictionary<Guid, (Guid DeviceId, string SourceTable)>();
        var types = _notifications.Keys.ToArray();
        var cursor = after;
        var lastWrite = clock.GetUtcNow();

        while (true)
        {
            ct.ThrowIfCancellationRequested();
            await highWater.AdvanceAsync(ct);
            if (highWater.Settled > cursor)
            {
                await using var session = store.QuerySession();
                // Read after the high-water mark: a lineage's snapshot commits with its first events,
                // so every lineage of an event at or below the mark is visible here.
                var rows = await session.Query<LineageView>()
                    .Where(l => l.ProjectId == projectId)
                    .Select(l => new { l.Id, l.DeviceId, l.SourceTable })
                    .ToListAsync(ct);
                foreach (var row in rows)
                    lineages[row.Id] = (row.DeviceId, row.SourceTable);
                var ids = lineages.Keys.ToArray();

                var upTo = highWater.Settled;
                while (cursor < upTo)
                {
                    if (ids.Length == 0)
                    {
                        cursor = upTo;
                        break;
                    }
                    var from = cursor;
                    var page = await session.Events.QueryAllRawEvents()
                        .Where(e => e.Sequence > from && e.Sequence <= upTo && ids.Contains(e.StreamId) && types.Contains(e.EventTypeName))
                        .OrderBy(e => e.Sequence)
                        .Take(PageSize)
                        .ToListAsync(ct);
                    foreach (var e in page)
                    {
                        if (!_notifications.TryGetValue(e.EventTypeName, out var type))
                            continue;
                        var (deviceId, sourceTable) = lineages[e.StreamId];
                        var message = new GovernanceNotification(type, e.Sequence, e.StreamId, deviceId, sourceTable, e.Timestamp, e.Data);
                        await writer.WriteEventAsync(
                            e.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), messageName ?? type, JsonSerializer.Serialize(message, json), ct);
                        lastWrite = clock.GetUtcNow();
                    }
                    cursor = page.Count < PageSize ? upTo : page[^1].Sequence;
                }
            }

            if (clock.GetUtcNow() - lastWrite >= HeartbeatInterval)
            {
                await writer.WriteCommentAsync("keep-alive", ct);
                lastWrite = clock.GetUtcNow();
            }
            if (!highWater.Behind)
                await Task.Delay(PollInterval, clock, ct);
        }
    }
}

/// <summary>The data of one SSE message (snake_case on the wire).</summary>
public sealed record GovernanceNotification(
    string Type, long Sequence, Guid LineageId, Guid DeviceId, string SourceTable, DateTimeOffset At, object Data);

/// <summary>
/// The highest global event sequence below which every event is final: committed and visible, or
/// never going to be (its transaction rolled back).
/// </summary>
/// <remarks>
/// Why not just "sequence &gt; last emitted": sequence numbers are taken (nextval) before the
/// appending transaction commits, and another append with a higher number can commit first. A
/// reader that moved its cursor past that higher number would never see the lower one, and a
/// client resuming from the higher id would miss it for good. So we only emit up to a mark below
/// which nothing can still appear. We chose this over re-scanning a window behind the cursor
/// because re-scanning emits late events out of order, which breaks resuming by
/// <c>Last-Event-ID</c> (the id would no longer say "everything up to here").
///
/// Missing numbers (gaps) are either in flight or rolled back. Marten's own daemon waits a fixed
/// time before skipping a gap, which can skip a slow commit. Here we ask PostgreSQL instead:
/// nextval takes a lock on the sequence that the transaction holds until it ends, so once every
/// transaction that held that lock when the gap was seen has ended, a number still missing can
/// never appear. Rolled-back gaps thus clear within a poll or two, and a slow in-flight append
/// holds the mark back exactly as long as it needs. <see cref="GapSafetyValve"/> only guards
/// liveness against a transaction left open indefinitely.
/// </remarks>
internal sealed class SequenceHighWater(NpgsqlDataSource dataSource, EdgeStoreSettings settings, long start, TimeProvider clock, ILogger logger)
{
    public static readonly TimeSpan GapSafetyValve = TimeSpan.FromMinutes(2);
    private const int Window = 5000;

    private readonly string _events = settings.Table("mt_events");
    private readonly string _sequence = settings.Table("mt_events_sequence");
    private Gap? _gap;

    public long Settled { get; private set; } = start;

    /// <summary>The last look found a full window past the mark: look again without waiting.</summary>
    public bool Behind { get; private set; }

    /// <summary>The highest committed sequence (the start of a stream that begins "now").</summary>
    public static async Task<long> CurrentAsync(NpgsqlDataSource dataSource, EdgeStoreSettings settings, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"SELECT coalesce(max(seq_id), 0) FROM {settings.Table("mt_events")}");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    public async Task AdvanceAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);

        // Separate statements, in this order: the lock holders first, then (with a newer
        // snapshot) the rows, so a transaction that ended before the first sees its rows in the second.
        if (_gap is { Watch: { } watch })
            _gap.Cleared = !(await AppendersAsync(connection, ct)).Overlaps(watch);

        var present = new List<long>(Window);
        await using (var command = new NpgsqlCommand($"SELECT seq_id FROM {_events} WHERE seq_id > @after ORDER BY seq_id LIMIT {Window}", connection))
        {
            command.Parameters.AddWithValue("after", Settled);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                present.Add(reader.GetInt64(0));
        }

        var blocked = false;
        foreach (var seq in present)
        {
            var expected = Settled + 1;
            if (seq != expected)
            {
                if (_gap?.Start != expected)
                {
                    _gap = new Gap(expected, clock.GetUtcNow());
                    blocked = true;
                    break;
                }
                if (!_gap.Cleared)
                {
                    if (clock.GetUtcNow() - _gap.Since < GapSafetyValve)
                    {
                        blocked = true;
                        break;
                    }
                    logger.LogWarning(
                        "Event sequence {From}..{To} has been missing for {Age} while its appender may still be open; skipping it",
                        expected, seq - 1, GapSafetyValve);
                }
                _gap = null;
            }
            Settled = seq;
        }

        // Whoever might still commit the missing numbers holds the sequence lock now (taken after
        // the rows were read, so a gap's transaction is either here or already finished).
        if (_gap is { Watch: null })
            _gap.Watch = await AppendersAsync(connection, ct);
        Behind = !blocked && present.Count == Window;
    }

    private async Task<HashSet<string>> AppendersAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT virtualtransaction FROM pg_locks
            WHERE locktype = 'relation'
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND relation = to_regclass(@sequence)
            """, connection);
        command.Parameters.AddWithValue("sequence", _sequence);
        var holders = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            if (!reader.IsDBNull(0))
                holders.Add(reader.GetString(0));
        return holders;
    }

    private sealed class Gap(long start, DateTimeOffset since)
    {
        public long Start { get; } = start;
        public DateTimeOffset Since { get; } = since;
        /// <summary>The transactions that held the sequence lock after the gap was seen.</summary>
        public HashSet<string>? Watch { get; set; }
        /// <summary>All of <see cref="Watch"/> had ended before the latest row read.</summary>
        public bool Cleared { get; set; }
    }
}
