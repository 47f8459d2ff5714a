using EdgeSync.Wire;

namespace EdgeSync.Mirrors;

/// <summary>
/// One row version to materialize: the journal position, <c>insert</c>/<c>update</c>/<c>delete</c>,
/// the JSON of <c>pk</c> and (for insert/update) of <c>row</c>, as on the wire.
/// </summary>
public sealed record MirrorRowChange(Guid JournalEpoch, long CommitSeq, string Op, string PkJson, string? RowJson)
{
    private WireObject? _pk;
    private WireObject? _row;

    /// <summary>A live row: the reader's parse of its pk and row is reused, not parsed again.</summary>
    public MirrorRowChange(Guid journalEpoch, RowOperation row)
        : this(journalEpoch, row.CommitSeq, row.Op, row.PkJson, row.RowJson)
    {
        _pk = row.Pk;
        _row = row.Row;
    }

    /// <summary>The batch the row came with, when known (a time-series table records it).</summary>
    public Guid? BatchId { get; init; }

    /// <summary><see cref="PkJson"/>, parsed on first use.</summary>
    /// <exception cref="System.Text.Json.JsonException">Not JSON.</exception>
    /// <exception cref="InvalidDataException">Not a JSON object.</exception>
    public WireObject Pk => _pk ??= WireObject.Parse(PkJson);

    /// <summary><see cref="RowJson"/>, parsed on first use; null when there is no row.</summary>
    /// <exception cref="System.Text.Json.JsonException">Not JSON.</exception>
    /// <exception cref="InvalidDataException">Not a JSON object.</exception>
    public WireObject? Row => RowJson is null ? null : _row ??= WireObject.Parse(RowJson);

    // `with` copies the text only: a copy whose text changed must not keep the old parse.
    private MirrorRowChange(MirrorRowChange original)
    {
        JournalEpoch = original.JournalEpoch;
        CommitSeq = original.CommitSeq;
        Op = original.Op;
        PkJson = original.PkJson;
        RowJson = original.RowJson;
        BatchId = original.BatchId;
    }

    // The parsed forms are a cache of the text: equality is the text's.
    public bool Equals(MirrorRowChange? other) =>
        other is not null && JournalEpoch == other.JournalEpoch && CommitSeq == other.CommitSeq && Op == other.Op
        && PkJson == other.PkJson && RowJson == other.RowJson;

    public override int GetHashCode() => HashCode.Combine(JournalEpoch, CommitSeq, Op, PkJson, RowJson);
}
