using System.Text.Json;
using EdgeSync.Mirrors;
using EdgeSync.Registry;
using EdgeSync.Storage;
using EdgeSync.Wire;
using JasperFx.Events;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeSync.Lineages;

/// <summary>Which lineage the (device, table) grain currently speaks for; kept in Orleans grain storage.</summary>
[GenerateSerializer]
public sealed class LineageSlot
{
    [Id(0)] public Guid? LineageId { get; set; }
}

/// <summary>
/// Owns one (device, source table). Every command goes the same way: decide (pure) on the state
/// held, then one <see cref="LineageTransaction"/> that performs the effects of the decision,
/// appends its events with the expected stream version and stores the folded state, then commit.
/// The state held changes only once the commit is known to have landed. A COMMIT that throws may
/// still have been applied by the server: then the grain reloads and looks for its events in the
/// stream before it decides anything else. The replay of staged rows is in LineageGrain.Replay.cs.
/// </summary>
public sealed partial class LineageGrain(
    [PersistentState("slot", "lineages")] IPersistentState<LineageSlot> slot,
    LineageStore store,
    LineageEffects effects,
    LineageMetrics metrics,
    LineageUploads uploads,
    IOptions<LineageOptions> options,
    TimeProvider clock,
    ILogger<LineageGrain> logger) : Grain, ILineageGrain, IRemindable
{
    private static readonly TimeSpan[] TransientBackoff = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2)];

    private Lineage? _lineage;
    /// <summary>The store may hold something else than <see cref="_lineage"/> (a commit's outcome was unknown and the reload failed).</summary>
    private bool _stale;
    private (EdgePolicy Policy, DateTimeOffset ReadAt)? _policy;
    /// <summary>The schema hash the registry had no decision for (or none this lineage can apply), and when it was asked.</summary>
    private (string SchemaHash, DateTimeOffset At)? _noDecision;
    /// <summary>The operator command being run, as text, so that a retry of it can be recognised.</summary>
    private string? _command;
    /// <summary>The last commit whose outcome the store could not tell, and the command that made it.</summary>
    private (string? Command, Lineage Next, LineageEvent Last)? _unresolved;

    public override Task OnActivateAsync(CancellationToken ct) => ReloadAsync(ct);

    public async Task<Guid?> GetLineageId()
    {
        await EnsureFreshAsync();
        return _lineage?.Id ?? slot.State.LineageId;
    }

    // ---- Device messages --------------------------------------------------------------------

    public Task<IngestOutcome> IngestRows(DeviceIdentity device, RowBatch batch) => IngestAsync(device, batch);

    /// <summary>
    /// A telemetry batch goes through the lineage's row machinery as inserts at synthetic journal
    /// positions (<see cref="TelemetryJournal"/>), after its kind and sequencing are checked.
    /// </summary>
    public Task<IngestOutcome> IngestTelemetry(DeviceIdentity device, TelemetryBatch batch) =>
        IngestAsync(device, TelemetryJournal.ToRowBatch(batch), telemetry: new TelemetryOrigin(batch.BatchSeq, batch.TimestampColumn));

    private async Task<IngestOutcome> IngestAsync(DeviceIdentity device, RowBatch batch, TelemetryOrigin? telemetry = null, Guid? finalizesUpload = null)
    {
        await EnsureFreshAsync();
        var lineageId = await EnsureLineageIdAsync();
        var command = new IngestRows(lineageId, Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), device, batch, await PolicyAsync(device.ProjectId))
        {
            Telemetry = telemetry,
            FinalizesUpload = finalizesUpload,
        };
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await IngestOnceAsync(command);
            }
            catch (EventStreamUnexpectedMaxEventIdException) when (attempt < 2)
            {
                // Another writer got there first (a failover overlap): start from what is stored.
                logger.LogWarning("Lineage {LineageId} changed underneath; reloading", lineageId);
                await ReloadAsync();
            }
            catch (CommitNotAppliedException) when (attempt < 2)
            {
                // The grain reloaded already: deciding again against the stored state is enough.
            }
            catch (Exception e) when (Unreachable(e) && attempt < TransientBackoff.Length)
            {
                logger.LogWarning(e, "Transient error on lineage {LineageId}; retrying", lineageId);
                await Task.Delay(TransientBackoff[attempt]);
                await EnsureFreshAsync();
            }
        }
    }

    public async Task<IngestOutcome> ObserveSchema(DeviceIdentity device, SchemaObservation observation)
    {
        await EnsureFreshAsync();
        var lineageId = await EnsureLineageIdAsync();
        await DecideAndCommitAsync(null, lineageId, lineage => LineageDecider.Decide(lineage, new ObserveSchema(lineageId, device, observation), clock.GetUtcNow()));
        return new IngestOutcome(IngestStatus.Accepted, lineageId, 0, 0, null);
    }

    public async Task AcknowledgeControl(Guid controlId)
    {
        await EnsureFreshAsync();
        if (_lineage is null)
            return;
        var result = await DecideAndCommitAsync(null, _lineage.Id, lineage => OperatorDecisions.Acknowledge(lineage!, controlId, clock.GetUtcNow()));
        if (!result.Succeeded)
            throw new CommitNotAppliedException(_lineage.Id);
    }

    private async Task<IngestOutcome> IngestOnceAsync(IngestRows command)
    {
        command = await WithRegistryDecisionAsync(command);
        var now = clock.GetUtcNow();
        var decision = LineageDecider.Decide(_lineage, command, now);
        if (decision.Rejection is { } rejection)
        {
            // A batch_seq already accepted may be this very batch again: then it is a redelivery.
            if (rejection.Code is RejectionCodes.DuplicateBatchSeq or RejectionCodes.StaleBatchSeq && await KnowsBatchAsync(command))
                return IngestOutcome.Duplicate(_lineage!.Id);
            if (decision.Events.Count > 0 && !await CommitEventsAsync(command.NewLineageId, decision.Events))
                throw new CommitNotAppliedException(command.NewLineageId);
            return IngestOutcome.Rejected(_lineage?.Id, rejection);
        }
        try
        {
            return await CommitBatchAsync(command, decision, now);
        }
        catch (MirrorWriteException e) when (e.IsPermanent)
        {
            logger.LogWarning("Batch {BatchId} of lineage {LineageId} could not be written: {Error}", command.Batch.BatchId, command.NewLineageId, e.Message);
            return await CommitBatchAsync(command, LineageDecider.WithMaterializationFailure(decision, _lineage, command, e.Message, now), now);
        }
        catch (MirrorConflictException e) when (command.Policy.AllowAdditiveContinue)
        {
            // The additive change cannot be made automatically (a coalesced table shared with other
            // devices has a column of that name with another type): nothing was changed, and the
            // schema goes to an operator as if the policy did not allow it.
            logger.LogWarning("Lineage {LineageId}: the additive change of batch {BatchId} needs a review: {Error}", command.NewLineageId, command.Batch.BatchId, e.Message);
            return await IngestOnceAsync(command with { Policy = command.Policy with { AllowAdditiveContinue = false } });
        }
    }

    private async Task<bool> KnowsBatchAsync(IngestRows command)
    {
        await using var tx = await store.BeginAsync();
        var known = await effects.KnowsBatchAsync(tx, command.Device.DeviceId, command.Batch.BatchId);
        await tx.CommitAsync();
        return known;
    }

    private async Task<IngestOutcome> CommitBatchAsync(IngestRows command, Decision decision, DateTimeOffset now)
    {
        var (batch, lineageId) = (command.Batch, command.NewLineageId);
        await using var tx = await store.BeginAsync();
        if (!await effects.RecordBatchAsync(tx, lineageId, command.Device.DeviceId, batch, now, command.Telemetry is null ? "rows" : "telemetry"))
        {
            if (command.FinalizesUpload is { } finalized)
                await uploads.FinalizeAsync(tx, finalized, batch.BatchId, batch.Rows.Count, now);
            await tx.CommitAsync();
            return IngestOutcome.Duplicate(lineageId);
        }
        var setAsideFailing = command.Policy.OnPermanentRowError == PermanentRowErrorAction.Quarantine;
        var setAside = await effects.ApplyAsync(tx, lineageId, command.Device.ProjectId, command.Device.DeviceId, batch, decision, setAsideFailing, now);
        if (setAside is not null)
            decision = PoisonRowDecisions.SetAsideLive(decision, setAside, now);
        if (command.FinalizesUpload is { } upload)
            await uploads.FinalizeAsync(tx, upload, batch.BatchId, batch.Rows.Count, now);
        var next = await tx.AppendAsync(_lineage, lineageId, decision.Events);
        if (!await CommitAsync(tx, next, decision.Events))
            throw new CommitNotAppliedException(lineageId);
        if (setAside is not null)
        {
            logger.LogWarning("Batch {BatchId} of lineage {LineageId}: {Rows} rows set aside in the quarantine: {Error}",
                batch.BatchId, lineageId, setAside.CommitSeqs.Count, setAside.Error);
            metrics.RowsQuarantined(setAside.CommitSeqs.Count, "live");
        }
        await AfterCommitAsync(next, decision.Events);

        var staged = decision.Events.OfType<BatchStaged>().SingleOrDefault();
        var written = decision.Events.OfType<BatchMaterialized>().SingleOrDefault();
        return new IngestOutcome(IngestStatus.Accepted, lineageId,
            staged?.RowsStaged ?? 0, staged?.RowsSkipped ?? written?.RowsSkipped ?? batch.Rows.Count, null);
    }

    /// <summary>
    /// A schema the lineage has not accepted may have a registry decision: then its bindings are
    /// worked out and its mirror table provisioned (in a transaction of its own: provisioning is safe
    /// to repeat) before the batch is decided. A decision that cannot be applied here (a NOT NULL
    /// column deferred, a mirror table that cannot take the columns) leaves the schema to a review.
    /// Looking for none is remembered for a few seconds, so a lineage waiting for its review does not
    /// query the registry with every batch.
    /// </summary>
    private async Task<IngestRows> WithRegistryDecisionAsync(IngestRows command)
    {
        var batch = command.Batch;
        if (_lineage?.AcceptedSchemaHash == batch.SchemaHash || _lineage?.FindSchema(batch.SchemaHash)?.Rejected == true)
            return command;
        var now = clock.GetUtcNow();
        if (_noDecision is { } none && none.SchemaHash == batch.SchemaHash && now - none.At < options.Value.PolicyFreshness)
            return command;
        if (await store.RegistryDecisionAsync(command.Device.ProjectId, batch.SourceTable, batch.SchemaHash) is not { } terms)
        {
            _noDecision = (batch.SchemaHash, now);
            return command;
        }
        var timestampColumn = command.Telemetry?.TimestampColumn;
        var (plan, refused) = ReviewDecisions.PlanBindings(_lineage, terms.Columns, terms.ColumnActions, timestampColumn);
        if (plan is null || plan.KeepsPaused)
        {
            _noDecision = (batch.SchemaHash, now);
            logger.LogWarning("Registry decision {DecisionId} does not apply to lineage {LineageId} ({Detail}); its schema waits for a review",
                terms.DecisionId, command.NewLineageId, refused.Detail ?? "a NOT NULL column is deferred");
            return command;
        }
        var layout = terms.Layout;
        var name = terms.MirrorTableName ?? (_lineage?.Mirror is { } mirror && mirror.Layout == layout ? mirror.Name : null);
        var slug = layout == MirrorLayout.Coalesced ? (await store.ProjectAsync(command.Device.ProjectId))?.TopicSlug ?? "" : "";
        string tableName;
        await using (var tx = await store.BeginAsync())
        {
            try
            {
                tableName = await effects.ProvisionAsync(tx, (command.NewLineageId, command.Device.ProjectId, command.Device.DeviceId, batch.SourceTable), name,
                    plan.MirrorColumns, layout, slug, TimeSeriesOf(timestampColumn), now);
            }
            catch (MirrorConflictException e)
            {
                _noDecision = (batch.SchemaHash, now);
                logger.LogWarning("Registry decision {DecisionId} does not apply to lineage {LineageId} ({Detail}); its schema waits for a review",
                    terms.DecisionId, command.NewLineageId, e.Message);
                return command;
            }
            await tx.CommitAsync();
        }
        return command with { Registry = new RegistryAcceptance(terms.DecisionId, batch.SchemaHash, terms.Columns, plan.Bindings, new MirrorTable(tableName, plan.MirrorColumns, layout, TimeSeriesOf(timestampColumn))) };
    }

    // ---- Operator commands ------------------------------------------------------------------

    public Task<CommandResult> ClaimReview(ClaimReview command) =>
        RunAsync(command, () => _lineage, ReviewNotFound(command.ReviewId), lineage => ReviewDecisions.Claim(lineage, command, clock.GetUtcNow()));

    public Task<CommandResult> RejectReview(RejectReview command) =>
        RunAsync(command, () => _lineage, ReviewNotFound(command.ReviewId), lineage => ReviewDecisions.Reject(lineage, command, clock.GetUtcNow()));

    public Task<CommandResult> PauseLineage(PauseLineage command) =>
        RunAsync(command, () => Current(command.LineageId), LineageNotFound(command.LineageId), lineage => OperatorDecisions.Pause(lineage, command, Guid.CreateVersion7(), clock.GetUtcNow()));

    public Task<CommandResult> ResumeLineage(ResumeLineage command) =>
        RunAsync(command, () => Current(command.LineageId), LineageNotFound(command.LineageId), lineage => OperatorDecisions.Resume(lineage, command, Guid.CreateVersion7(), Guid.CreateVersion7(), clock.GetUtcNow()));

    public Task<CommandResult> ResetMaterialization(ResetMaterialization command)
    {
        // The operator may have fixed the mirror's column types: the replay the reset starts reads them again.
        effects.ForgetColumnTypes(Current(command.LineageId)?.Mirror);
        return RunAsync(command, () => Current(command.LineageId), LineageNotFound(command.LineageId),
            lineage => OperatorDecisions.Reset(lineage, command, Guid.CreateVersion7(), Guid.CreateVersion7(), clock.GetUtcNow()));
    }

    /// <summary>
    /// Moves staged rows to the quarantine and decides on what moved, in one transaction: the
    /// rows to move are the database's to tell (some may be gone already), so the move comes first.
    /// </summary>
    public async Task<RowsMoved> DiscardStagedRows(DiscardStagedRows command)
    {
        RowsMoved? answer = null;
        var result = await WhileUnknownAsync(command, async () =>
        {
            if (Current(command.LineageId) is not { } lineage)
                return (true, LineageNotFound(command.LineageId));
            var now = clock.GetUtcNow();
            var policy = await PolicyAsync(lineage.ProjectId);
            await using var tx = await store.BeginAsync();
            var moved = await effects.DiscardAsync(tx, lineage, command, now);
            var held = await effects.QuarantinedAsync(tx, lineage.Id, command.JournalEpoch, command.CommitSeqs);
            answer = MovedAnswer(command.CommitSeqs, moved, held);
            var decision = PoisonRowDecisions.Discard(lineage, command, moved, policy, Guid.CreateVersion7(), Guid.CreateVersion7(), now);
            return await CommitMovedAsync(tx, lineage, decision);
        });
        return (answer ?? new RowsMoved(result, [], [], [])) with { Result = result };
    }

    /// <summary>Stages quarantined rows again, like <see cref="DiscardStagedRows"/> the other way.</summary>
    public async Task<RowsMoved> RequeueQuarantinedRows(RequeueQuarantinedRows command)
    {
        RowsMoved? answer = null;
        var result = await WhileUnknownAsync(command, async () =>
        {
            if (Current(command.LineageId) is not { } lineage)
                return (true, LineageNotFound(command.LineageId));
            var now = clock.GetUtcNow();
            await using var tx = await store.BeginAsync();
            var moved = await effects.RequeueAsync(tx, lineage, command, now);
            var held = await effects.StagedAsync(tx, lineage.Id, command.JournalEpoch, command.CommitSeqs);
            answer = MovedAnswer(command.CommitSeqs, moved, held);
            var decision = PoisonRowDecisions.Requeue(lineage, command, moved, Guid.CreateVersion7(), now);
            return await CommitMovedAsync(tx, lineage, decision);
        });
        return (answer ?? new RowsMoved(result, [], [], [])) with { Result = result };
    }

    private async Task<(bool Known, CommandResult Result)> CommitMovedAsync(LineageTransaction tx, Lineage lineage, Decision decision)
    {
        if (decision.Events.Count == 0)
        {
            await tx.CommitAsync();
            return (true, CommandResult.Done);
        }
        var next = await tx.AppendAsync(lineage, lineage.Id, decision.Events);
        if (!await CommitAsync(tx, next, decision.Events))
            return (false, CommandResult.Done);
        await AfterCommitAsync(next, decision.Events);
        return (true, CommandResult.Done);
    }

    /// <summary>The asked seqs as moved now, where they already were (<paramref name="held"/>), or nowhere.</summary>
    private static RowsMoved MovedAnswer(IReadOnlyList<long> asked, IReadOnlyList<MovedRow> moved, IReadOnlyList<long> held)
    {
        var now = moved.Select(r => r.SourceCommitSeq).ToHashSet();
        var there = held.Where(seq => !now.Contains(seq)).ToHashSet();
        var distinct = asked.Distinct().Order().ToList();
        return new RowsMoved(CommandResult.Done, distinct.Where(now.Contains).ToList(), distinct.Where(there.Contains).ToList(),
            distinct.Where(seq => !now.Contains(seq) && !there.Contains(seq)).ToList());
    }

    /// <summary>
    /// The one command whose events depend on the database: the mirror table's name is the one
    /// provisioning finds free (a default name may be taken by another relation), so the table is
    /// provisioned first, in the same transaction, and the approval decided with its name.
    /// </summary>
    public Task<CommandResult> ApproveReview(ApproveReview command) =>
        WhileUnknownAsync(command, async () =>
        {
            if (_lineage is null)
                return (true, ReviewNotFound(command.ReviewId));
            // Read now, not from the cache: an operator who just changed the default expects it to hold.
            var project = await store.ProjectAsync(_lineage.ProjectId);
            var (plan, result) = ReviewDecisions.PlanApproval(_lineage, command, project?.Policy.DefaultMirrorLayout ?? MirrorLayout.PerDevice);
            if (plan is null)
                return (true, result);

            await using var tx = await store.BeginAsync();
            string tableName;
            try
            {
                tableName = await effects.ProvisionAsync(tx, (_lineage.Id, _lineage.ProjectId, _lineage.DeviceId, _lineage.SourceTable), plan.RequestedTableName,
                    plan.MirrorColumns, plan.Layout, project?.TopicSlug ?? "", TimeSeriesOf(_lineage.TimestampColumn), clock.GetUtcNow());
            }
            catch (MirrorConflictException e)
            {
                return (true, CommandResult.Conflict(e.Code, e.Message));
            }
            var decision = ReviewDecisions.Approve(_lineage, plan, new MirrorTable(tableName, plan.MirrorColumns, plan.Layout, TimeSeriesOf(_lineage.TimestampColumn)), Guid.CreateVersion7(), command.Actor, clock.GetUtcNow());
            var next = await tx.AppendAsync(_lineage, _lineage.Id, decision.Events);
            if (!await CommitAsync(tx, next, decision.Events))
                return (false, CommandResult.Done);
            await AfterCommitAsync(next, decision.Events);
            return (true, CommandResult.Done);
        });

    /// <summary>
    /// Removes the cloud sync state of the table in one transaction; the stream is archived, and
    /// the next batch of the table starts a new lineage with a new id.
    /// </summary>
    public async Task<CommandResult> DeleteLineage(DeleteLineage command)
    {
        await EnsureFreshAsync();
        if (Current(command.LineageId) is not { } lineage)
            return LineageNotFound(command.LineageId);
        var decision = OperatorDecisions.Delete(lineage, command, clock.GetUtcNow());
        await using (var tx = await store.BeginAsync())
        {
            await effects.RemoveAsync(tx, lineage, command.DropMirror);
            await uploads.RemoveForLineageAsync(tx, lineage.Id);
            await tx.EndAsync(lineage, decision.Events);
            await tx.CommitAsync();
        }

        await StopReplayAsync();
        await CloseSnapshotCursorAsync();
        _lineage = null;
        slot.State.LineageId = null;
        await slot.WriteStateAsync();
        return CommandResult.Done;
    }

    /// <summary>Decides an operator command on the lineage it names and commits what it decided.</summary>
    private Task<CommandResult> RunAsync(object command, Func<Lineage?> target, CommandResult notFound, Func<Lineage, Decision> decide) =>
        WhileUnknownAsync(command, async () =>
        {
            if (target() is not { } lineage)
                return (true, notFound);
            var decision = decide(lineage);
            if (!decision.Result.Succeeded || decision.Events.Count == 0)
                return (true, decision.Result);
            return (await CommitEventsAsync(lineage.Id, decision.Events), decision.Result);
        });

    /// <summary>Like <see cref="RunAsync"/> for decisions that may create the lineage (a device's own messages) or run without a command.</summary>
    private Task<CommandResult> DecideAndCommitAsync(object? command, Guid lineageId, Func<Lineage?, Decision> decide) =>
        WhileUnknownAsync(command, async () =>
        {
            var decision = decide(_lineage);
            if (decision.Events.Count == 0)
                return (true, decision.Result);
            return (await CommitEventsAsync(lineageId, decision.Events), decision.Result);
        });

    /// <summary>
    /// Runs a command's decide-and-commit step until its outcome is known. The step answers
    /// (false, _) when its commit did not land (the grain has reloaded by then) and is decided
    /// again against the stored state: a command that did land answers what it decided, so a lost
    /// COMMIT answer is never the operator's problem. A store that cannot be reached answers 503:
    /// the command may or may not have applied, and a retry finds out: when the same command comes
    /// again, the grain first asks the stream whether that earlier commit landed, and if it did,
    /// answers that it is done.
    /// </summary>
    private async Task<CommandResult> WhileUnknownAsync(object? command, Func<Task<(bool Known, CommandResult Result)>> step)
    {
        _command = command is null ? null : $"{command.GetType().Name}:{JsonSerializer.Serialize(command, command.GetType())}";
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await EnsureFreshAsync();
                if (_command is not null && _unresolved is { } unresolved && unresolved.Command == _command)
                {
                    _unresolved = null;
                    if (await store.HoldsAsync(unresolved.Next.Id, unresolved.Next.Version, unresolved.Last))
                        return CommandResult.Done;
                }
                var (known, result) = await step();
                if (known)
                    return result;
                if (attempt >= TransientBackoff.Length)
                    return CommandResult.Unavailable("store_unavailable", "The command could not be committed; retry it (with the same Idempotency-Key).");
            }
            catch (EventStreamUnexpectedMaxEventIdException) when (attempt < TransientBackoff.Length)
            {
                logger.LogWarning("Lineage {LineageId} changed underneath; reloading", _lineage?.Id);
                _stale = true;
            }
            catch (Exception e) when (Unreachable(e))
            {
                _stale = true;
                if (attempt >= TransientBackoff.Length)
                {
                    logger.LogWarning(e, "Lineage {LineageId}: the store cannot be reached; the command's outcome is unknown", _lineage?.Id);
                    return CommandResult.Unavailable("store_unavailable",
                        "The database could not be reached; the command may or may not have been applied. Retry it (with the same Idempotency-Key).");
                }
                await Task.Delay(TransientBackoff[attempt]);
            }
        }
    }

    /// <summary>The lineage, when it is the one a command names (a deleted one's id no longer is).</summary>
    private Lineage? Current(Guid lineageId) => _lineage?.Id == lineageId ? _lineage : null;

    // ---- Committing -------------------------------------------------------------------------

    /// <summary>Appends the events in a transaction of their own; false when the commit did not land (the grain has reloaded).</summary>
    private async Task<bool> CommitEventsAsync(Guid lineageId, IReadOnlyList<LineageEvent> events)
    {
        await using var tx = await store.BeginAsync();
        var next = await tx.AppendAsync(_lineage, lineageId, events);
        if (!await CommitAsync(tx, next, events))
            return false;
        await AfterCommitAsync(next, events);
        return true;
    }

    /// <summary>
    /// Commits, and answers whether the transaction's events are in the store. When COMMIT throws
    /// the server may have committed or not (the answer can be lost after the server applied it),
    /// so the grain reloads the lineage and looks for the last of its events in the stream.
    /// Throws, leaving the grain stale, only when the store cannot be reached to find out.
    /// </summary>
    private async Task<bool> CommitAsync(LineageTransaction tx, Lineage next, IReadOnlyList<LineageEvent> events)
    {
        try
        {
            await tx.CommitAsync();
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _stale = true;
            logger.LogWarning(e, "The commit of lineage {LineageId} up to version {Version} has an unknown outcome; reloading", next.Id, next.Version);
        }
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await ReloadAsync();
                var applied = await store.HoldsAsync(next.Id, next.Version, events[^1]);
                metrics.UnknownCommit(applied);
                logger.LogWarning("The commit of lineage {LineageId} up to version {Version} was {Outcome}", next.Id, next.Version, applied ? "applied" : "not applied");
                return applied;
            }
            catch (Exception e) when (Unreachable(e))
            {
                if (attempt >= TransientBackoff.Length)
                {
                    _unresolved = (_command, next, events[^1]);
                    throw;
                }
                await Task.Delay(TransientBackoff[attempt]);
            }
        }
    }

    /// <summary>Takes the state that was committed and starts draining the backlog when a replay began or a block lifted.</summary>
    /// <remarks>
    /// A replay that a live batch's permanent failure started waits its retry interval before its
    /// first try: trying the same rows again at once would fail the same way and count the one
    /// failed attempt twice (docs/decisions.md).
    /// </remarks>
    private async Task AfterCommitAsync(Lineage next, IReadOnlyList<LineageEvent> events)
    {
        _lineage = next;
        if (_lineage is { IsReplaying: true, IsWriteBlocked: false } && events.Any(e => e is ReplayStarted or LineageResumed))
            await StartReplayAsync(events.Any(e => e is MaterializationFailed) ? options.Value.ReplayRetryInterval : TimeSpan.Zero);
    }

    // ---- Loading ----------------------------------------------------------------------------

    /// <summary>The lineage id is stored before any event, so a retry after a crash reuses it.</summary>
    private async Task<Guid> EnsureLineageIdAsync()
    {
        if (slot.State.LineageId is { } id)
            return id;
        slot.State.LineageId = Guid.CreateVersion7();
        await slot.WriteStateAsync();
        return slot.State.LineageId.Value;
    }

    /// <summary>The project's policy, re-read every few seconds so that a PATCH takes effect without a restart.</summary>
    private async Task<EdgePolicy> PolicyAsync(Guid projectId)
    {
        if (_policy is { } cached && clock.GetUtcNow() - cached.ReadAt < options.Value.PolicyFreshness)
            return cached.Policy;
        var policy = await store.PolicyAsync(projectId);
        _policy = (policy, clock.GetUtcNow());
        return policy;
    }

    private Task EnsureFreshAsync() => _stale ? ReloadAsync() : Task.CompletedTask;

    /// <summary>
    /// Takes the lineage as stored and goes on with what it calls for, as on activation: a replay
    /// that is due starts. Controls need nothing here: they are recorded with their event and
    /// published from that record.
    /// </summary>
    private async Task ReloadAsync(CancellationToken ct = default)
    {
        _stale = true;
        if (slot.State.LineageId is { } id)
            _lineage = await store.LoadAsync(id, ct);
        _stale = false;
        if (_lineage is { IsReplaying: true, IsWriteBlocked: false } && _replayTimer is null)
            await StartReplayAsync();
    }

    /// <summary>A connection, timeout or server-side transient failure, also when Marten wrapped it.</summary>
    private static bool Unreachable(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (MirrorWriteException.IsTransient(inner))
                return true;
        return false;
    }

    private static TimeSeriesMirror? TimeSeriesOf(string? timestampColumn) => timestampColumn is null ? null : new TimeSeriesMirror(timestampColumn);

    private static CommandResult LineageNotFound(Guid lineageId) =>
        CommandResult.NotFound("lineage_not_found", $"Lineage {lineageId} does not exist.");

    private static CommandResult ReviewNotFound(Guid reviewId) =>
        CommandResult.NotFound("review_not_found", $"Schema review {reviewId} does not exist.");
}

/// <summary>A commit whose answer was lost did not land; the grain has reloaded and the command is decided again.</summary>
public sealed class CommitNotAppliedException(Guid lineageId) : Exception($"A commit of lineage {lineageId} was not applied; the grain reloaded.");
