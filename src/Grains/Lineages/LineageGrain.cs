using EdgeSync.Mirrors;
using EdgeSync.Registry;
using EdgeSync.Storage;
using EdgeSync.Wire;
using JasperFx.Events;
using Marten;
using Marten.Services;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using System.Text.Json;

namespace EdgeSync.Lineages;

/// <summary>Which lineage the (device, table) grain currently speaks for; kept in Orleans grain storage.</summary>
[GenerateSerializer]
public sealed class LineageSlot
{
    [Id(0)] public Guid? LineageId { get; set; }
}

/// <summary>
/// Owns one (device, source table). Every command is: load, decide (pure), then ONE PostgreSQL
/// transaction that performs the effects the events call for (ledger, staging, mirror DDL and
/// writes) and appends the events with the expected stream version. State changes in memory
/// only after the commit, so a failed transaction leaves the grain as it was. A COMMIT that
/// throws may still have been applied by the server: then the grain reloads from the store and
/// checks the stream for its events before it decides anything else.
/// </summary>
public sealed class LineageGrain(
    [PersistentState("slot", "lineages")] IPersistentState<LineageSlot> slot,
    IDocumentStore store,
    NpgsqlDataSource dataSource,
    StagedRows stagedRows,
    BatchLedger ledger,
    PendingControls controls,
    MirrorSchemaWriter mirrorSchema,
    MirrorWriter mirrorWriter,
    TelemetryWriter telemetry,
    LineageMetrics metrics,
    IOptions<LineageOptions> options,
    TimeProvider clock,
    ILogger<LineageGrain> logger) : Grain, ILineageGrain, IRemindable
{
    private const string ReplayReminder = "replay";
    private static readonly TimeSpan[] TransientBackoff = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2)];
    private static readonly TimeSpan MaxReplayBackoff = TimeSpan.FromSeconds(30);

    private Lineage? _lineage;
    /// <summary>The store may hold something else than <see cref="_lineage"/> (a commit's outcome was unknown and the reload failed).</summary>
    private bool _stale;
    private IGrainTimer? _replayTimer;
    /// <summary>Replay chunks that failed in a row; the wait before the next try grows with it.</summary>
    private int _replayErrors;
    private (EdgePolicy Policy, DateTimeOffset ReadAt)? _policy;
    /// <summary>The operator command being run, as text, so that a retry of it can be recognised.</summary>
    private string? _command;
    /// <summary>The last commit whose outcome the store could not tell, and the command that made it.</summary>
    private (string? Command, Lineage Next, object Last)? _unresolved;

    public override Task OnActivateAsync(CancellationToken ct) => ReloadAsync(ct);

    public async Task<Guid?> GetLineageId()
    {
        await EnsureFreshAsync();
        return _lineage?.Id ?? slot.State.LineageId;
    }

    // ---- Ingest --------------------------------------------------------------------------

    public async Task<IngestOutcome> IngestRows(DeviceIdentity device, RowBatch batch)
    {
        await EnsureFreshAsync();
        var lineageId = await EnsureLineageIdAsync();
        var command = new IngestRows(lineageId, Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), device, batch, await PolicyAsync(device.ProjectId));
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
        await DecideAndCommitAsync(lineageId, lineage => (LineageDecider.Decide(lineage, new ObserveSchema(lineageId, device, observation), clock.GetUtcNow()), CommandResult.Done));
        return new IngestOutcome(IngestStatus.Accepted, lineageId, 0, 0, null);
    }

    private async Task<IngestOutcome> IngestOnceAsync(IngestRows command)
    {
        var now = clock.GetUtcNow();
        var lineageId = command.NewLineageId;
        var decision = LineageDecider.Decide(_lineage, command, now);
        if (decision.Rejection is { } rejection)
        {
            if (decision.Events.Count > 0 && !await CommitEventsAsync(lineageId, decision.Events))
                throw new CommitNotAppliedException(lineageId);
            return IngestOutcome.Rejected(_lineage?.Id, rejection);
        }

        try
        {
            return await CommitBatchAsync(command, decision, now);
        }
        catch (MirrorWriteException e) when (e.IsPermanent)
        {
            logger.LogWarning("Batch {BatchId} of lineage {LineageId} could not be written: {Error}", command.Batch.BatchId, lineageId, e.Message);
            return await CommitBatchAsync(command, LineageDecider.WithMaterializationFailure(decision, _lineage, command, e.Message, now), now);
        }
    }

    private async Task<IngestOutcome> CommitBatchAsync(IngestRows command, Decision decision, DateTimeOffset now)
    {
        var batch = command.Batch;
        var lineageId = command.NewLineageId;
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var firstDelivery = await ledger.TryRecordAsync(connection, transaction, command.Device.DeviceId, batch.BatchId,
            lineageId, batch.SourceTable, "rows", batch.Rows.Count, now);
        if (!firstDelivery)
        {
            await transaction.CommitAsync();
            return IngestOutcome.Duplicate(lineageId);
        }

        foreach (var e in decision.Events)
        {
            switch (e)
            {
                case MirrorProvisioned provisioned:
                    await mirrorSchema.ProvisionAsync(connection, transaction, command.Device.DeviceId, batch.SourceTable,
                        provisioned.Table.Name, provisioned.Table.Columns, lineageId);
                    break;
                case BatchStaged { RowsStaged: > 0 } toStage:
                    await stagedRows.StageAsync(connection, transaction, lineageId, command.Device.DeviceId, batch.SourceTable,
                        batch.BatchId, batch.JournalEpoch, batch.Rows.Where(r => r.CommitSeq >= toStage.StagedFromCommitSeq).ToList(),
                        toStage.StagingReason, now);
                    break;
                case BatchMaterialized { RowsApplied: > 0 }:
                    var fresh = LineageDecider.RowsAfter(_lineage?.Watermark, batch)
                        .Select(r => new MirrorRowChange(batch.JournalEpoch, r)).ToList();
                    await WriteMirrorAsync(connection, transaction, MirrorAfter(decision.Events), BindingsAfter(decision.Events), fresh, now);
                    break;
            }
        }

        var next = await PersistAsync(connection, transaction, lineageId, decision.Events);
        if (!await CommitAsync(transaction, next, decision.Events))
            throw new CommitNotAppliedException(lineageId);
        await AfterCommitAsync(next, decision.Events);

        var staged = decision.Events.OfType<BatchStaged>().SingleOrDefault();
        var written = decision.Events.OfType<BatchMaterialized>().SingleOrDefault();
        return new IngestOutcome(IngestStatus.Accepted, lineageId,
            staged?.RowsStaged ?? 0, staged?.RowsSkipped ?? written?.RowsSkipped ?? batch.Rows.Count, null);
    }

    // ---- Reviews ---------------------------------------------------------------------------

    public Task<CommandResult> ClaimReview(ClaimReview command) =>
        RunAsync(command, () => _lineage, ReviewNotFound(command.ReviewId), lineage => ReviewDecisions.Claim(lineage, command, clock.GetUtcNow()));

    public Task<CommandResult> RejectReview(RejectReview command) =>
        RunAsync(command, () => _lineage, ReviewNotFound(command.ReviewId), lineage => ReviewDecisions.Reject(lineage, command, clock.GetUtcNow()));

    public Task<CommandResult> ApproveReview(ApproveReview command) =>
        WhileUnknownAsync(command, async () =>
        {
            if (_lineage is null)
                return (true, ReviewNotFound(command.ReviewId));
            var (plan, result) = ReviewDecisions.PlanApproval(_lineage, command);
            if (plan is null)
                return (true, result);

            await using var connection = await dataSource.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            string tableName;
            try
            {
                tableName = await mirrorSchema.ProvisionAsync(connection, transaction, _lineage.DeviceId, _lineage.SourceTable,
                    plan.RequestedTableName ?? _lineage.Mirror?.Name, plan.MirrorColumns, _lineage.Id);
            }
            catch (MirrorConflictException e)
            {
                return (true, CommandResult.Conflict(e.Code, e.Message));
            }
            var decision = ReviewDecisions.Approve(_lineage, plan, new MirrorTable(tableName, plan.MirrorColumns), Guid.CreateVersion7(), command.Actor, clock.GetUtcNow());
            var next = await PersistAsync(connection, transaction, _lineage.Id, decision.Events);
            if (!await CommitAsync(transaction, next, decision.Events))
                return (false, CommandResult.Done);
            await AfterCommitAsync(next, decision.Events);
            return (true, CommandResult.Done);
        });

    // ---- Operator commands and acknowledgements ----------------------------------------------

    public Task<CommandResult> PauseLineage(PauseLineage command) =>
        RunAsync(command, () => Current(command.LineageId), LineageNotFound(command.LineageId), lineage => OperatorDecisions.Pause(lineage, command, Guid.CreateVersion7(), clock.GetUtcNow()));

    public Task<CommandResult> ResumeLineage(ResumeLineage command) =>
        RunAsync(command, () => Current(command.LineageId), LineageNotFound(command.LineageId), lineage => OperatorDecisions.Resume(lineage, command, Guid.CreateVersion7(), Guid.CreateVersion7(), clock.GetUtcNow()));

    public Task<CommandResult> ResetMaterialization(ResetMaterialization command) =>
        RunAsync(command, () => Current(command.LineageId), LineageNotFound(command.LineageId), lineage => OperatorDecisions.Reset(lineage, command, Guid.CreateVersion7(), Guid.CreateVersion7(), clock.GetUtcNow()));

    public async Task AcknowledgeControl(Guid controlId)
    {
        await EnsureFreshAsync();
        if (_lineage is null)
            return;
        var result = await DecideAndCommitAsync(_lineage.Id, lineage => (OperatorDecisions.Acknowledge(lineage!, controlId, clock.GetUtcNow()), CommandResult.Done));
        if (!result.Succeeded)
            throw new CommitNotAppliedException(_lineage.Id);
    }

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
        await using (var connection = await dataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await stagedRows.DeleteAllAsync(connection, transaction, lineage.Id);
            await controls.DeleteForLineageAsync(connection, transaction, lineage.Id);
            if (command.DropMirror && lineage.Mirror is { } mirror)
                await mirrorSchema.DropAsync(connection, transaction, mirror.Name);
            await using (var session = store.LightweightSession(SessionOptions.ForTransaction(transaction)))
            {
                session.Events.Append(lineage.Id, lineage.Version + decision.Events.Count, decision.Events.ToArray());
                session.DeleteWhere<SchemaReview>(r => r.LineageId == lineage.Id);
                session.Delete<Lineage>(lineage.Id);
                await session.SaveChangesAsync();
            }
            // A session of its own, still in this transaction: in one session Marten's quick append
            // would run after the archiving and be refused (an archived stream takes no events).
            await using (var session = store.LightweightSession(SessionOptions.ForTransaction(transaction)))
            {
                session.Events.ArchiveStream(lineage.Id);
                await session.SaveChangesAsync();
            }
            await transaction.CommitAsync();
        }

        StopReplayTimer();
        if (await this.GetReminder(ReplayReminder) is { } reminder)
            await this.UnregisterReminder(reminder);
        _lineage = null;
        slot.State.LineageId = null;
        await slot.WriteStateAsync();
        return CommandResult.Done;
    }

    /// <summary>Decides an operator command on the lineage and commits what it decided.</summary>
    private Task<CommandResult> RunAsync(object command, Func<Lineage?> target, CommandResult notFound, Func<Lineage, (Decision Decision, CommandResult Result)> decide) =>
        WhileUnknownAsync(command, async () =>
        {
            if (target() is not { } lineage)
                return (true, notFound);
            var (decision, result) = decide(lineage);
            if (!result.Succeeded || decision.Events.Count == 0)
                return (true, result);
            return (await CommitEventsAsync(lineage.Id, decision.Events), result);
        });

    /// <summary>Like <see cref="RunAsync"/> for the device's own messages, which may create the lineage.</summary>
    private Task<CommandResult> DecideAndCommitAsync(Guid lineageId, Func<Lineage?, (Decision Decision, CommandResult Result)> decide) =>
        WhileUnknownAsync(null, async () =>
        {
            var (decision, result) = decide(_lineage);
            if (decision.Events.Count == 0)
                return (true, result);
            return (await CommitEventsAsync(lineageId, decision.Events), result);
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
                    if (await LandedAsync(unresolved.Next, unresolved.Last))
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

    // ---- Replay ----------------------------------------------------------------------------

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReplayReminder)
            return;
        await EnsureFreshAsync();
        if (_lineage is { IsReplaying: true, IsWriteBlocked: false })
        {
            if (_replayTimer is null)
                StartReplayTimer(TimeSpan.Zero);
        }
        else if (await this.GetReminder(ReplayReminder) is { } reminder)
            await this.UnregisterReminder(reminder);
    }

    public async Task<bool> RestartStalledReplay(TimeSpan stalledAfter)
    {
        await ReloadAsync();
        if (_lineage is null)
            return false;
        var now = clock.GetUtcNow();
        var decision = ReplayDecisions.Stalled(_lineage, stalledAfter, Guid.CreateVersion7(), now);
        if (decision.Events.Count == 0)
            return false;
        var since = _lineage.Replay?.LastProgressAt ?? _lineage.UpdatedAt;
        logger.LogWarning("Lineage {LineageId} has {Rows} staged rows and its replay made no progress since {Since}; restarting it",
            _lineage.Id, _lineage.Counters.StagedRowCount, since);
        metrics.ReplayStall();
        var result = await DecideAndCommitAsync(_lineage.Id, lineage => (ReplayDecisions.Stalled(lineage!, stalledAfter, Guid.CreateVersion7(), now), CommandResult.Done));
        if (!result.Succeeded)
            return false;
        _replayErrors = 0;
        if (_lineage is { IsReplaying: true, IsWriteBlocked: false })
            await StartReplayAsync();
        return true;
    }

    /// <summary>The reminder makes the intent durable: after a restart or failover it wakes the grain to go on.</summary>
    private async Task StartReplayAsync()
    {
        await this.RegisterOrUpdateReminder(ReplayReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        StartReplayTimer(TimeSpan.Zero);
    }

    private void StartReplayTimer(TimeSpan dueTime)
    {
        _replayTimer?.Dispose();
        _replayTimer = this.RegisterGrainTimer(ReplayChunkAsync, new GrainTimerCreationOptions
        {
            DueTime = dueTime,
            Period = TimeSpan.FromMilliseconds(20),
            KeepAlive = true,
        });
    }

    private void StopReplayTimer()
    {
        _replayTimer?.Dispose();
        _replayTimer = null;
    }

    /// <summary>
    /// One tick of the replay. Orleans drops what a timer callback throws, so nothing may leave
    /// it: every failure is handled here, recorded on the lineage when it can be, and retried.
    /// </summary>
    private async Task ReplayChunkAsync(CancellationToken ct)
    {
        try
        {
            await EnsureFreshAsync();
            await ReplayOnceAsync(ct);
            _replayErrors = 0;
        }
        catch (EventStreamUnexpectedMaxEventIdException)
        {
            // Someone else appended (a failover overlap, or a commit of ours whose answer was lost
            // before this grain knew): what is stored decides what comes next.
            logger.LogWarning("Replay of lineage {LineageId}: the stream changed underneath; reloading", _lineage?.Id);
            metrics.ReplayError("version_conflict");
            _stale = true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await ReplayFailedAsync(e);
        }
    }

    /// <summary>
    /// Drains one chunk: mirror writes, removal of the drained staged rows and the progress
    /// event commit together, so a crash at any point replays the chunk again or not at all.
    /// </summary>
    private async Task ReplayOnceAsync(CancellationToken ct)
    {
        if (_lineage is not { IsReplaying: true, IsWriteBlocked: false } lineage || lineage.Mirror is null)
        {
            StopReplayTimer();
            return;
        }
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var rows = await stagedRows.ReadOldestAsync(connection, transaction, lineage.Id, options.Value.ReplayChunkRows, ct);
            Decision decision;
            if (rows.Count == 0)
            {
                decision = ReplayDecisions.NothingLeft(lineage, clock.GetUtcNow());
            }
            else
            {
                var changes = rows.Select(r => new MirrorRowChange(r.JournalEpoch, r.SourceCommitSeq, r.Op, r.PkJson, r.RowJson)).ToList();
                await WriteMirrorAsync(connection, transaction, lineage.Mirror, lineage.Bindings, changes, clock.GetUtcNow());
                var last = rows[^1];
                await stagedRows.DeleteThroughAsync(connection, transaction, lineage.Id, last.JournalEpoch, last.SourceCommitSeq, ct);
                var chunk = new ReplayChunk(rows.Count, rows.Sum(r => (long)r.Bytes), last.JournalEpoch, last.SourceCommitSeq);
                decision = ReplayDecisions.ChunkApplied(lineage, chunk, await PolicyAsync(lineage.ProjectId), Guid.CreateVersion7(), clock.GetUtcNow());
            }
            var next = await PersistAsync(connection, transaction, lineage.Id, decision.Events);
            // Not applied: the grain has reloaded, and the next tick goes on from what is stored.
            if (await CommitAsync(transaction, next, decision.Events))
                _lineage = next;
            if (_lineage is not { IsReplaying: true })
            {
                StopReplayTimer();
                if (await this.GetReminder(ReplayReminder) is { } reminder)
                    await this.UnregisterReminder(reminder);
            }
        }
        catch (MirrorWriteException e) when (e.IsPermanent)
        {
            // Counted, and tried again later; every failure of a retry counts too, until the breaker trips.
            logger.LogWarning("Replay of lineage {LineageId} failed: {Error}", lineage.Id, e.Message);
            metrics.ReplayError("permanent");
            StopReplayTimer();
            var policy = await PolicyAsync(lineage.ProjectId);
            await DecideAndCommitAsync(lineage.Id, current => (ReplayDecisions.ChunkFailed(current!, e.Message, policy, Guid.CreateVersion7(), clock.GetUtcNow()), CommandResult.Done));
            if (_lineage is { IsReplaying: true, IsWriteBlocked: false })
                StartReplayTimer(options.Value.ReplayRetryInterval);
        }
    }

    /// <summary>
    /// A chunk failed for a reason that says nothing about its rows (a lost connection, an outage,
    /// a bug): reload, record it on the lineage (replay failures and last error) when the store
    /// answers, and try again after a wait that doubles up to <see cref="MaxReplayBackoff"/>.
    /// </summary>
    private async Task ReplayFailedAsync(Exception error)
    {
        _replayErrors++;
        var transient = Unreachable(error);
        metrics.ReplayError(transient ? "transient" : "unexpected");
        if (transient)
            logger.LogWarning(error, "Replay of lineage {LineageId} failed ({Count} in a row); retrying", _lineage?.Id, _replayErrors);
        else
            logger.LogError(error, "Replay of lineage {LineageId} failed unexpectedly ({Count} in a row); retrying", _lineage?.Id, _replayErrors);
        var wait = TimeSpan.FromMilliseconds(Math.Min(MaxReplayBackoff.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(_replayErrors, 10))));
        StartReplayTimer(wait);
        try
        {
            _stale = true;
            await ReloadAsync();
            if (_lineage is { IsReplaying: true } lineage)
                await DecideAndCommitAsync(lineage.Id, current => current is { IsReplaying: true }
                    ? (ReplayDecisions.ChunkErrored(current, $"{error.GetType().Name}: {error.Message}", clock.GetUtcNow()), CommandResult.Done)
                    : (Decision.Nothing, CommandResult.Done));
        }
        catch (Exception e) when (Unreachable(e))
        {
            logger.LogWarning("Replay of lineage {LineageId}: the failure could not be recorded ({Error}); the next try reloads", _lineage?.Id, e.Message);
        }
        if (_lineage is not { IsReplaying: true, IsWriteBlocked: false })
            StopReplayTimer();
    }

    // ---- Shared plumbing -------------------------------------------------------------------

    private async Task WriteMirrorAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, MirrorTable mirror, IReadOnlyList<ColumnBinding> bindings,
        IReadOnlyList<MirrorRowChange> changes, DateTimeOffset now)
    {
        var lineage = _lineage!;
        await mirrorWriter.ApplyAsync(connection, transaction, mirror, lineage.DeviceId, changes);
        var mapped = bindings.Where(b => b.Action == BindingAction.Map).ToList();
        if (mapped.Count > 0)
            await telemetry.ApplyAsync(connection, transaction, lineage.ProjectId, lineage.DeviceId, lineage.Id, mapped, changes, now);
    }

    /// <summary>The mirror and bindings in force once these events apply (a batch may accept a schema).</summary>
    private MirrorTable MirrorAfter(IReadOnlyList<LineageEvent> events) =>
        events.OfType<MirrorProvisioned>().LastOrDefault()?.Table ?? _lineage!.Mirror!;

    private IReadOnlyList<ColumnBinding> BindingsAfter(IReadOnlyList<LineageEvent> events) =>
        events.OfType<SchemaAccepted>().LastOrDefault()?.Bindings ?? _lineage!.Bindings;

    /// <summary>Appends the events in a transaction of their own; false when the commit did not land (the grain has reloaded).</summary>
    private async Task<bool> CommitEventsAsync(Guid lineageId, IReadOnlyList<LineageEvent> events)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var next = await PersistAsync(connection, transaction, lineageId, events);
        if (!await CommitAsync(transaction, next, events))
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
    private async Task<bool> CommitAsync(NpgsqlTransaction transaction, Lineage next, IReadOnlyList<LineageEvent> events)
    {
        try
        {
            await transaction.CommitAsync();
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
                var applied = await LandedAsync(next, events[^1]);
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

    /// <summary>Whether the event stored at the version the commit appended <paramref name="last"/> at is that event.</summary>
    private async Task<bool> LandedAsync(Lineage next, object last)
    {
        await using var session = store.QuerySession();
        var stored = await session.Events.FetchStreamAsync(next.Id, next.Version, fromVersion: next.Version);
        return stored.Count == 1 && stored[0].Data.GetType() == last.GetType()
            && JsonSerializer.Serialize(stored[0].Data, last.GetType()) == JsonSerializer.Serialize(last, last.GetType());
    }

    /// <summary>Takes the state that was committed and starts draining the backlog when a replay began or a block lifted.</summary>
    private async Task AfterCommitAsync(Lineage next, IReadOnlyList<LineageEvent> events)
    {
        _lineage = next;
        if (_lineage is { IsReplaying: true, IsWriteBlocked: false } && events.Any(e => e is ReplayStarted or LineageResumed))
            await StartReplayAsync();
    }

    /// <summary>
    /// Appends the events with the expected version, together with the control bookkeeping they
    /// call for: a control is recorded before anyone can publish it, in the same transaction. The
    /// state folded from them is stored as the lineage's snapshot document in the same session and
    /// returned; the grain takes it once the transaction commits.
    /// </summary>
    private async Task<Lineage> PersistAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid lineageId, IReadOnlyList<LineageEvent> events)
    {
        var deviceId = _lineage?.DeviceId ?? events.OfType<LineageCreated>().Single().DeviceId;
        foreach (var e in events)
        {
            if (e is ControlIssued issued)
                await controls.RecordAsync(connection, transaction, ControlMessage.ToPending(issued, deviceId));
            else if (e is ControlAcknowledged acknowledged)
                await controls.MarkAcknowledgedAsync(connection, transaction, acknowledged.ControlId, acknowledged.At);
        }
        var next = Lineage.Fold(_lineage, events);
        await using var session = store.LightweightSession(SessionOptions.ForTransaction(transaction));
        if (_lineage is null)
            session.Events.StartStream<Lineage>(lineageId, events.ToArray());
        else
            session.Events.Append(lineageId, next.Version, events.ToArray());
        session.Store(next);
        await session.SaveChangesAsync();
        return next;
    }

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
        await using var session = store.QuerySession();
        var policy = (await session.LoadAsync<Project>(projectId))?.Policy ?? new EdgePolicy();
        _policy = (policy, clock.GetUtcNow());
        return policy;
    }

    private Task EnsureFreshAsync() => _stale ? ReloadAsync() : Task.CompletedTask;

    /// <summary>
    /// Takes the lineage as stored (the snapshot is written in the same transaction as the events,
    /// so it is current) and goes on with what it calls for, as on activation: a replay that is
    /// due starts. Controls need nothing here: they are recorded with their event and published
    /// from that record.
    /// </summary>
    private async Task ReloadAsync(CancellationToken ct = default)
    {
        _stale = true;
        if (slot.State.LineageId is { } id)
        {
            await using var session = store.QuerySession();
            _lineage = await session.LoadAsync<Lineage>(id, ct);
            if (_lineage is not null && await session.Events.FetchStreamStateAsync(id, ct) is { } stream)
                _lineage.Version = stream.Version;
        }
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

    private static CommandResult LineageNotFound(Guid lineageId) =>
        CommandResult.NotFound("lineage_not_found", $"Lineage {lineageId} does not exist.");

    private static CommandResult ReviewNotFound(Guid reviewId) =>
        CommandResult.NotFound("review_not_found", $"Schema review {reviewId} does not exist.");
}

/// <summary>A commit whose answer was lost did not land; the grain has reloaded and the command is decided again.</summary>
public sealed class CommitNotAppliedException(Guid lineageId) : Exception($"A commit of lineage {lineageId} was not applied; the grain reloaded.");
