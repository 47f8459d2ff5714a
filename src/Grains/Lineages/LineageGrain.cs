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
/// only after the commit, so a failed transaction leaves the grain as it was.
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
    IOptions<LineageOptions> options,
    TimeProvider clock,
    ILogger<LineageGrain> logger) : Grain, ILineageGrain, IRemindable
{
    private const string ReplayReminder = "replay";
    private static readonly TimeSpan[] TransientBackoff = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2)];

    private Lineage? _lineage;
    private IGrainTimer? _replayTimer;
    private (EdgePolicy Policy, DateTimeOffset ReadAt)? _policy;

    public override async Task OnActivateAsync(CancellationToken ct)
    {
        await ReloadAsync(ct);
        if (_lineage is { IsReplaying: true, IsWriteBlocked: false })
            StartReplayTimer(TimeSpan.Zero);
    }

    public Task<Guid?> GetLineageId() => Task.FromResult(_lineage?.Id ?? slot.State.LineageId);

    // ---- Ingest --------------------------------------------------------------------------

    public async Task<IngestOutcome> IngestRows(DeviceIdentity device, RowBatch batch)
    {
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
            catch (Exception e) when (MirrorWriteException.IsTransient(e) && attempt < TransientBackoff.Length)
            {
                logger.LogWarning(e, "Transient error on lineage {LineageId}; retrying", lineageId);
                await Task.Delay(TransientBackoff[attempt]);
            }
        }
    }

    public async Task<IngestOutcome> ObserveSchema(DeviceIdentity device, SchemaObservation observation)
    {
        var lineageId = await EnsureLineageIdAsync();
        var decision = LineageDecider.Decide(_lineage, new ObserveSchema(lineageId, device, observation), clock.GetUtcNow());
        if (decision.Events.Count > 0)
            await CommitAsync(lineageId, decision.Events);
        return new IngestOutcome(IngestStatus.Accepted, lineageId, 0, 0, null);
    }

    private async Task<IngestOutcome> IngestOnceAsync(IngestRows command)
    {
        var now = clock.GetUtcNow();
        var lineageId = command.NewLineageId;
        var decision = LineageDecider.Decide(_lineage, command, now);
        if (decision.Rejection is { } rejection)
        {
            if (decision.Events.Count > 0)
                await CommitAsync(lineageId, decision.Events);
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
        await transaction.CommitAsync();
        await AfterCommitAsync(next, decision.Events);

        var staged = decision.Events.OfType<BatchStaged>().SingleOrDefault();
        var written = decision.Events.OfType<BatchMaterialized>().SingleOrDefault();
        return new IngestOutcome(IngestStatus.Accepted, lineageId,
            staged?.RowsStaged ?? 0, staged?.RowsSkipped ?? written?.RowsSkipped ?? batch.Rows.Count, null);
    }

    // ---- Reviews ---------------------------------------------------------------------------

    public Task<CommandResult> ClaimReview(ClaimReview command) =>
        RunAsync(_lineage, ReviewNotFound(command.ReviewId), lineage => ReviewDecisions.Claim(lineage, command, clock.GetUtcNow()));

    public Task<CommandResult> RejectReview(RejectReview command) =>
        RunAsync(_lineage, ReviewNotFound(command.ReviewId), lineage => ReviewDecisions.Reject(lineage, command, clock.GetUtcNow()));

    public async Task<CommandResult> ApproveReview(ApproveReview command)
    {
        if (_lineage is null)
            return ReviewNotFound(command.ReviewId);
        var (plan, result) = ReviewDecisions.PlanApproval(_lineage, command);
        if (plan is null)
            return result;

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
            return CommandResult.Conflict(e.Code, e.Message);
        }
        var decision = ReviewDecisions.Approve(_lineage, plan, new MirrorTable(tableName, plan.MirrorColumns), Guid.CreateVersion7(), command.Actor, clock.GetUtcNow());
        var next = await PersistAsync(connection, transaction, _lineage.Id, decision.Events);
        await transaction.CommitAsync();
        await AfterCommitAsync(next, decision.Events);
        return CommandResult.Done;
    }

    // ---- Operator commands and acknowledgements ----------------------------------------------

    public Task<CommandResult> PauseLineage(PauseLineage command) =>
        RunAsync(Current(command.LineageId), LineageNotFound(command.LineageId), lineage => OperatorDecisions.Pause(lineage, command, Guid.CreateVersion7(), clock.GetUtcNow()));

    public Task<CommandResult> ResumeLineage(ResumeLineage command) =>
        RunAsync(Current(command.LineageId), LineageNotFound(command.LineageId), lineage => OperatorDecisions.Resume(lineage, command, Guid.CreateVersion7(), Guid.CreateVersion7(), clock.GetUtcNow()));

    public Task<CommandResult> ResetMaterialization(ResetMaterialization command) =>
        RunAsync(Current(command.LineageId), LineageNotFound(command.LineageId), lineage => OperatorDecisions.Reset(lineage, command, Guid.CreateVersion7(), Guid.CreateVersion7(), clock.GetUtcNow()));

    public async Task AcknowledgeControl(Guid controlId)
    {
        if (_lineage is not null)
            await CommitAsync(_lineage.Id, OperatorDecisions.Acknowledge(_lineage, controlId, clock.GetUtcNow()).Events);
    }

    /// <summary>
    /// Removes the cloud sync state of the table in one transaction; the stream is archived, and
    /// the next batch of the table starts a new lineage with a new id.
    /// </summary>
    public async Task<CommandResult> DeleteLineage(DeleteLineage command)
    {
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
    private async Task<CommandResult> RunAsync(Lineage? lineage, CommandResult notFound, Func<Lineage, (Decision Decision, CommandResult Result)> decide)
    {
        if (lineage is null)
            return notFound;
        var (decision, result) = decide(lineage);
        if (result.Succeeded && decision.Events.Count > 0)
            await CommitAsync(lineage.Id, decision.Events);
        return result;
    }

    /// <summary>The lineage, when it is the one a command names (a deleted one's id no longer is).</summary>
    private Lineage? Current(Guid lineageId) => _lineage?.Id == lineageId ? _lineage : null;

    // ---- Replay ----------------------------------------------------------------------------

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReplayReminder)
            return;
        if (_lineage is { IsReplaying: true, IsWriteBlocked: false })
            StartReplayTimer(TimeSpan.Zero);
        else if (_lineage?.IsReplaying != true && await this.GetReminder(ReplayReminder) is { } reminder)
            await this.UnregisterReminder(reminder);
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
    /// Drains one chunk: mirror writes, removal of the drained staged rows and the progress
    /// event commit together, so a crash at any point replays the chunk again or not at all.
    /// </summary>
    private async Task ReplayChunkAsync(CancellationToken ct)
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
            await transaction.CommitAsync(ct);
            _lineage = next;
            if (!_lineage.IsReplaying)
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
            StopReplayTimer();
            await CommitAsync(lineage.Id, ReplayDecisions.ChunkFailed(lineage, e.Message, await PolicyAsync(lineage.ProjectId), Guid.CreateVersion7(), clock.GetUtcNow()).Events);
            if (!_lineage!.IsWriteBlocked)
                StartReplayTimer(options.Value.ReplayRetryInterval);
        }
        catch (Exception e) when (MirrorWriteException.IsTransient(e))
        {
            logger.LogWarning(e, "Replay of lineage {LineageId} hit a transient error; retrying shortly", lineage.Id);
            StartReplayTimer(TimeSpan.FromSeconds(2));
        }
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
    private MirrorTable MirrorAfter(IReadOnlyList<object> events) =>
        events.OfType<MirrorProvisioned>().LastOrDefault()?.Table ?? _lineage!.Mirror!;

    private IReadOnlyList<ColumnBinding> BindingsAfter(IReadOnlyList<object> events) =>
        events.OfType<SchemaAccepted>().LastOrDefault()?.Bindings ?? _lineage!.Bindings;

    private async Task CommitAsync(Guid lineageId, IReadOnlyList<object> events)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var next = await PersistAsync(connection, transaction, lineageId, events);
        await transaction.CommitAsync();
        await AfterCommitAsync(next, events);
    }

    /// <summary>Takes the state that was committed and starts draining the backlog when a replay began or a block lifted.</summary>
    private async Task AfterCommitAsync(Lineage next, IReadOnlyList<object> events)
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
    private async Task<Lineage> PersistAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid lineageId, IReadOnlyList<object> events)
    {
        var deviceId = _lineage?.DeviceId ?? events.OfType<LineageCreated>().Single().DeviceId;
        foreach (var e in events)
        {
            if (e is ControlIssued issued)
                await controls.RecordAsync(connection, transaction, ControlMessage.ToPending(issued, deviceId));
            else if (e is ControlAcknowledged acknowledged)
                await controls.MarkAcknowledgedAsync(connection, transaction, acknowledged.ControlId, acknowledged.At);
        }
        var next = Folded(_lineage, events);
        await using var session = store.LightweightSession(SessionOptions.ForTransaction(transaction));
        if (_lineage is null)
            session.Events.StartStream<Lineage>(lineageId, events.ToArray());
        else
            session.Events.Append(lineageId, next.Version, events.ToArray());
        session.Store(next);
        await session.SaveChangesAsync();
        return next;
    }

    /// <summary>The state after <paramref name="events"/>, on a copy: <paramref name="current"/> is left as it was.</summary>
    private static Lineage Folded(Lineage? current, IReadOnlyList<object> events)
    {
        var next = current?.Copy();
        foreach (var e in events)
        {
            if (e is LineageCreated created)
                next = Lineage.Create(created);
            else
                next!.Apply((dynamic)e);
        }
        next!.Version = (current?.Version ?? 0) + events.Count;
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

    /// <summary>The snapshot is written in the same transaction as the events, so it is current.</summary>
    private async Task ReloadAsync(CancellationToken ct = default)
    {
        if (slot.State.LineageId is not { } id)
            return;
        await using var session = store.QuerySession();
        _lineage = await session.LoadAsync<Lineage>(id, ct);
        if (_lineage is not null && await session.Events.FetchStreamStateAsync(id, ct) is { } stream)
            _lineage.Version = stream.Version;
    }

    private static CommandResult LineageNotFound(Guid lineageId) =>
        CommandResult.NotFound("lineage_not_found", $"Lineage {lineageId} does not exist.");

    private static CommandResult ReviewNotFound(Guid reviewId) =>
        CommandResult.NotFound("review_not_found", $"Schema review {reviewId} does not exist.");
}
