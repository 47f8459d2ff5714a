namespace EdgeSync.Wire;

/// <summary>
/// One entry of a row batch's <c>rows</c>.
/// </summary>
/// <param name="CommitSeq">The device journal's sequence number (≥ 1, strictly increasing within the batch).</param>
/// <param name="Op"><c>insert</c>, <c>update</c> or <c>delete</c>.</param>
/// <param name="PkJson">The JSON text of <c>pk</c> exactly as received (a non-empty object).</param>
/// <param name="RowJson">The JSON text of <c>row</c> exactly as received (an object) for insert/update; null for delete.</param>
[GenerateSerializer, Immutable]
public sealed record RowOperation(
    [Id(0)] long CommitSeq,
    [Id(1)] string Op,
    [Id(2)] string PkJson,
    [Id(3)] string? RowJson)
{
    public const string Insert = "insert";
    public const string Update = "update";
    public const string Delete = "delete";

    /// <summary>An operation whose pk and row were parsed already, by a reader of its own (an uploaded snapshot's rows): they are not parsed again.</summary>
    public static RowOperation Parsed(long commitSeq, string op, string pkJson, string? rowJson, WireObject pk, WireObject? row) =>
        new(commitSeq, op, pkJson, rowJson, pk, row);

    // Not serialized: the reader fills them while it validates; after a hop to another silo they
    // are parsed again from the text, on first use.
    [NonSerialized] private WireObject? _pk;
    [NonSerialized] private WireObject? _row;

    internal RowOperation(long commitSeq, string op, string pkJson, string? rowJson, WireObject pk, WireObject? row)
        : this(commitSeq, op, pkJson, rowJson)
    {
        _pk = pk;
        _row = row;
    }

    /// <summary><see cref="PkJson"/>, parsed.</summary>
    public WireObject Pk => _pk ??= WireObject.Parse(PkJson);

    /// <summary><see cref="RowJson"/>, parsed; null for a delete.</summary>
    public WireObject? Row => RowJson is null ? null : _row ??= WireObject.Parse(RowJson);

    // `with` copies the text only: a copy whose text changed must not keep the old parse.
    private RowOperation(RowOperation original)
    {
        CommitSeq = original.CommitSeq;
        Op = original.Op;
        PkJson = original.PkJson;
        RowJson = original.RowJson;
    }

    // The parsed forms are a cache of the text: equality is the text's.
    public bool Equals(RowOperation? other) =>
        other is not null && CommitSeq == other.CommitSeq && Op == other.Op && PkJson == other.PkJson && RowJson == other.RowJson;

    public override int GetHashCode() => HashCode.Combine(CommitSeq, Op, PkJson, RowJson);
}
