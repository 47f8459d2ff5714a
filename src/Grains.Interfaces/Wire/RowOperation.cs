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
    [property: Id(0)] long CommitSeq,
    [property: Id(1)] string Op,
    [property: Id(2)] string PkJson,
    [property: Id(3)] string? RowJson)
{
    public const string Insert = "insert";
    public const string Update = "update";
    public const string Delete = "delete";
}
