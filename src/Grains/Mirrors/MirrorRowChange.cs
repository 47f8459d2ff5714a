namespace EdgeSync.Mirrors;

/// <summary>
/// One row version to materialize: the journal position, <c>insert</c>/<c>update</c>/<c>delete</c>,
/// the JSON of <c>pk</c> and (for insert/update) of <c>row</c>, as on the wire.
/// </summary>
public sealed record MirrorRowChange(Guid JournalEpoch, long CommitSeq, string Op, string PkJson, string? RowJson);

/// <summary>
/// What <see cref="MirrorWriter.ApplyAsync"/> did: rows inserted or updated, rows deleted, and the
/// changes that wrote nothing — superseded by a later change of the same key in the batch, older
/// than (or as old as) the version the mirror holds, or deletes of rows the mirror does not hold.
/// <see cref="Applied"/> + <see cref="Skipped"/> is the number of changes given.
/// </summary>
public sealed record MirrorWriteResult(int Upserted, int Deleted, int Skipped)
{
    public int Applied => Upserted + Deleted;
}
