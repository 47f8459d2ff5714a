namespace EdgeSync.Lineages;

// The commands an operator sends a lineage, and the answer they get.

/// <summary>An operator pauses the lineage by hand; <see cref="Reason"/> is passed on to the device.</summary>
[GenerateSerializer, Immutable]
public sealed record PauseLineage([property: Id(0)] Guid LineageId, [property: Id(1)] string? Reason, [property: Id(2)] string Actor);

[GenerateSerializer, Immutable]
public sealed record ResumeLineage([property: Id(0)] Guid LineageId, [property: Id(1)] string Actor);

[GenerateSerializer, Immutable]
public sealed record ResetMaterialization([property: Id(0)] Guid LineageId, [property: Id(1)] string Actor);

[GenerateSerializer, Immutable]
public sealed record DeleteLineage([property: Id(0)] Guid LineageId, [property: Id(1)] bool DropMirror, [property: Id(2)] string Actor);

/// <summary>An operator moves staged rows of one journal epoch to the quarantine.</summary>
[GenerateSerializer, Immutable]
public sealed record DiscardStagedRows(
    [property: Id(0)] Guid LineageId,
    [property: Id(1)] Guid JournalEpoch,
    [property: Id(2)] IReadOnlyList<long> CommitSeqs,
    [property: Id(3)] string? Reason,
    [property: Id(4)] string Actor);

/// <summary>An operator stages quarantined rows of one journal epoch again.</summary>
[GenerateSerializer, Immutable]
public sealed record RequeueQuarantinedRows(
    [property: Id(0)] Guid LineageId,
    [property: Id(1)] Guid JournalEpoch,
    [property: Id(2)] IReadOnlyList<long> CommitSeqs,
    [property: Id(3)] string Actor);

/// <summary>
/// The answer to a discard or requeue: <see cref="Moved"/> now, <see cref="AlreadyThere"/> moved
/// by an earlier call (a repeat changes nothing), <see cref="NotFound"/> neither.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RowsMoved(
    [property: Id(0)] CommandResult Result,
    [property: Id(1)] IReadOnlyList<long> Moved,
    [property: Id(2)] IReadOnlyList<long> AlreadyThere,
    [property: Id(3)] IReadOnlyList<long> NotFound);

/// <summary>One entry of an approval's <c>column_actions</c>.</summary>
[GenerateSerializer, Immutable]
public sealed record ColumnAction(
    [property: Id(0)] string SourceColumnName,
    [property: Id(1)] string Action,
    [property: Id(2)] string? MirrorColumnName = null,
    [property: Id(3)] string? DataPoint = null,
    [property: Id(4)] string? TimestampColumn = null);

/// <param name="MirrorLayout">
/// <c>per_device</c> or <c>coalesced</c>; null: the layout the lineage's mirror has, or for a first
/// mirror the project's <c>default_mirror_layout</c>.
/// </param>
/// <param name="RegistryDecisionId">
/// Set when a fleet approval carries out a project registry decision: the review is approved
/// whatever its action_version (the operator decided for the schema, not for this review), and a
/// lineage that already accepted the schema under that decision answers done.
/// </param>
[GenerateSerializer, Immutable]
public sealed record ApproveReview(
    [property: Id(0)] Guid ReviewId,
    [property: Id(1)] int ActionVersion,
    [property: Id(2)] IReadOnlyList<ColumnAction> ColumnActions,
    [property: Id(3)] string? MirrorTableName,
    [property: Id(4)] string Actor,
    [property: Id(5)] string? MirrorLayout = null,
    [property: Id(6)] Guid? RegistryDecisionId = null);

[GenerateSerializer, Immutable]
public sealed record RejectReview(
    [property: Id(0)] Guid ReviewId,
    [property: Id(1)] int ActionVersion,
    [property: Id(2)] string? Reason,
    [property: Id(3)] string Actor);

[GenerateSerializer, Immutable]
public sealed record ClaimReview(
    [property: Id(0)] Guid ReviewId,
    [property: Id(1)] string Actor);

/// <summary>
/// The answer to an operator command: done, or refused with a stable code and the HTTP status
/// the API should answer with (404 unknown, 409 state conflict, 400 invalid actions, 503 the store
/// could not be reached, so whether the command applied is not known: retry it).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record CommandResult(
    [property: Id(0)] bool Succeeded,
    [property: Id(1)] int Status,
    [property: Id(2)] string? Code = null,
    [property: Id(3)] string? Detail = null)
{
    public static readonly CommandResult Done = new(true, 200);
    public static CommandResult NotFound(string code, string detail) => new(false, 404, code, detail);
    public static CommandResult Conflict(string code, string detail) => new(false, 409, code, detail);
    public static CommandResult Invalid(string code, string detail) => new(false, 400, code, detail);
    public static CommandResult Unavailable(string code, string detail) => new(false, 503, code, detail);
}
