using EdgeSync.Api.Http;
using FluentValidation;

namespace EdgeSync.Api.Edge;

/// <summary>POST …/lineages/{lineage_id}/staged-rows/discard.</summary>
public sealed record DiscardStagedRowsRequest(Guid? JournalEpoch, IReadOnlyList<long>? CommitSeqs, string? Reason);

/// <summary>POST …/lineages/{lineage_id}/quarantined-rows/requeue.</summary>
public sealed record RequeueQuarantinedRowsRequest(Guid? JournalEpoch, IReadOnlyList<long>? CommitSeqs);

/// <summary>The answer of a discard: the seqs moved now, those a previous discard moved, and those in neither place.</summary>
public sealed record DiscardStagedRowsResponse(
    Guid LineageId, IReadOnlyList<long> Discarded, IReadOnlyList<long> AlreadyQuarantined, IReadOnlyList<long> NotFound, string Status, long StagedRowCount);

/// <summary>The answer of a requeue: the seqs staged again now, those already staged, and those in neither place.</summary>
public sealed record RequeueQuarantinedRowsResponse(
    Guid LineageId, IReadOnlyList<long> Requeued, IReadOnlyList<long> AlreadyStaged, IReadOnlyList<long> NotFound, string Status, long StagedRowCount);

/// <summary>The rule both bodies share: one epoch, a bounded list of commit sequences.</summary>
internal static class CommitSeqRules
{
    /// <summary>More in one call would make one transaction hold a large part of a backlog.</summary>
    public const int MaxSeqs = 10_000;

    public static void Apply<T>(AbstractValidator<T> validator, Func<T, Guid?> epoch, Func<T, IReadOnlyList<long>?> seqs)
    {
        validator.RuleFor(r => epoch(r)).NotNull().NotEqual(Guid.Empty).OverridePropertyName("journal_epoch")
            .WithMessage("'journal_epoch' must be a journal epoch (a UUID).");
        validator.RuleFor(r => seqs(r)).NotEmpty().OverridePropertyName("commit_seqs")
            .WithMessage("'commit_seqs' must list at least one commit sequence.");
        validator.RuleFor(r => seqs(r)).Must(s => s is null || s.Count <= MaxSeqs).OverridePropertyName("commit_seqs")
            .WithMessage($"'commit_seqs' may list at most {MaxSeqs} commit sequences.");
        validator.RuleFor(r => seqs(r)).Must(s => s is null || s.All(seq => seq >= 0)).OverridePropertyName("commit_seqs")
            .WithMessage("'commit_seqs' must not hold a negative commit sequence.");
    }
}

public sealed class DiscardStagedRowsRequestValidator : AbstractValidator<DiscardStagedRowsRequest>
{
    public DiscardStagedRowsRequestValidator()
    {
        CommitSeqRules.Apply(this, r => r.JournalEpoch, r => r.CommitSeqs);
        RuleFor(r => r.Reason).NotEmpty().MaximumLength(2000).Storable();
    }
}

public sealed class RequeueQuarantinedRowsRequestValidator : AbstractValidator<RequeueQuarantinedRowsRequest>
{
    public RequeueQuarantinedRowsRequestValidator() => CommitSeqRules.Apply(this, r => r.JournalEpoch, r => r.CommitSeqs);
}
