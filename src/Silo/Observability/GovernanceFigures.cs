using EdgeSync.Lineages;
using EdgeSync.Storage;
using Npgsql;

namespace EdgeSync.Silo.Observability;

/// <summary>
/// The cluster's governance and flow figures at one moment, read from the lineages' operator views
/// (one small document per lineage, which every commit keeps current) and the open controls: no
/// staged, quarantined or mirror table is counted row by row.
/// </summary>
public sealed record GovernanceFigures(
    IReadOnlyDictionary<string, long> LineagesByStatus,
    IReadOnlyDictionary<string, long> PausedByReason,
    long OpenReviews,
    long StagedRows,
    long StagedBytes,
    long QuarantinedRows,
    long PendingControls,
    long ReplaysActive,
    long ReplayBacklogRows,
    long ReplayRowsReplayed)
{
    public static readonly GovernanceFigures None = new(new Dictionary<string, long>(), new Dictionary<string, long>(), 0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>Three aggregate statements in one round trip, on one connection of the store's pool.</summary>
    public static async Task<GovernanceFigures> ReadAsync(NpgsqlDataSource dataSource, EdgeStoreSettings settings, CancellationToken ct)
    {
        var views = settings.Table("mt_doc_lineageview");
        var running = EnumNames.Of(ReplayStatus.Running);
        var failed = EnumNames.Of(ReplayStatus.Failed);
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            SELECT data ->> 'Status', count(*),
                   count(*) FILTER (WHERE jsonb_typeof(data -> 'OpenReview') = 'object'),
                   coalesce(sum((data -> 'Counters' ->> 'StagedRowCount')::bigint), 0),
                   coalesce(sum((data -> 'Counters' ->> 'StagedBytes')::bigint), 0),
                   coalesce(sum((data -> 'Counters' ->> 'RowsQuarantined')::bigint), 0),
                   count(*) FILTER (WHERE data -> 'ReplayIntent' ->> 'Status' IN ($1, $2)),
                   coalesce(sum((data -> 'ReplayIntent' ->> 'BacklogRowsAtStart')::bigint) FILTER (WHERE data -> 'ReplayIntent' ->> 'Status' IN ($1, $2)), 0),
                   coalesce(sum((data -> 'ReplayIntent' ->> 'RowsReplayed')::bigint) FILTER (WHERE data -> 'ReplayIntent' ->> 'Status' IN ($1, $2)), 0)
            FROM {views}
            GROUP BY 1
            """)
        { Parameters = { new() { Value = running }, new() { Value = failed } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"SELECT reason, count(*) FROM {views}, jsonb_array_elements_text(CASE WHEN jsonb_typeof(data -> 'PauseReasons') = 'array' THEN data -> 'PauseReasons' ELSE '[]'::jsonb END) AS reason GROUP BY 1"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"SELECT count(*) FROM {settings.Table(EdgeTables.PendingControls)} WHERE acknowledged_at IS NULL AND superseded_at IS NULL"));

        await using var reader = await batch.ExecuteReaderAsync(ct);
        var byStatus = new Dictionary<string, long>(StringComparer.Ordinal);
        long reviews = 0, stagedRows = 0, stagedBytes = 0, quarantined = 0, replays = 0, backlog = 0, replayed = 0;
        while (await reader.ReadAsync(ct))
        {
            byStatus[reader.IsDBNull(0) ? "" : reader.GetString(0)] = reader.GetInt64(1);
            reviews += reader.GetInt64(2);
            stagedRows += reader.GetInt64(3);
            stagedBytes += reader.GetInt64(4);
            quarantined += reader.GetInt64(5);
            replays += reader.GetInt64(6);
            backlog += reader.GetInt64(7);
            replayed += reader.GetInt64(8);
        }
        await reader.NextResultAsync(ct);
        var byReason = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(ct))
            byReason[reader.GetString(0)] = reader.GetInt64(1);
        await reader.NextResultAsync(ct);
        var pending = await reader.ReadAsync(ct) ? reader.GetInt64(0) : 0;
        return new GovernanceFigures(byStatus, byReason, reviews, stagedRows, stagedBytes, quarantined, pending, replays, backlog, replayed);
    }
}
