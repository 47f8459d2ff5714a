namespace EdgeSync.Agent.State;

/// <summary>
/// What the agent remembers about one table (a row of <c>table_state</c> in state.db).
/// </summary>
/// <param name="JournalEpoch">The epoch its batches carry.</param>
/// <param name="LastPublishedCommitSeq">Journal rows up to this commit_seq are published and acknowledged.</param>
/// <param name="SchemaHash">The fingerprint last seen for the table (to notice a schema change).</param>
/// <param name="SchemaSentHash">The schema hash whose columns the cloud got with an accepted batch in this epoch.</param>
/// <param name="ObservePending">A <c>sync/schema/observe</c> is due for <see cref="SchemaHash"/>.</param>
/// <param name="Paused">The cloud sent <c>pause_lineage</c>: publish nothing until <c>resume_lineage</c>.</param>
/// <param name="ServerWatermark">The <c>server_watermark</c> of the last pause or resume.</param>
/// <param name="PauseEpoch">The journal epoch when the pause arrived.</param>
/// <param name="LastControlId">The newest control applied to this table (UUIDv7 text).</param>
/// <param name="InflightBatchId">A batch published but not yet acknowledged: a retry sends the same rows with the same id.</param>
public sealed record TableState(
    string Table,
    string JournalEpoch,
    long LastPublishedCommitSeq,
    string? SchemaHash,
    string? SchemaSentHash,
    bool ObservePending,
    bool Paused,
    long? ServerWatermark,
    string? PauseEpoch,
    string? LastControlId,
    string? InflightBatchId,
    long? InflightFirst,
    long? InflightLast);
