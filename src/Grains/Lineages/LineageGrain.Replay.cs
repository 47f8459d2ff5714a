using EdgeSync.Mirrors;
using EdgeSync.Registry;
using JasperFx.Events;
using Microsoft.Extensions.Logging;

namespace EdgeSync.Lineages;

/// <summary>
/// The replay: drains the staged backlog into the mirror, a chunk per timer tick, each chunk in one
/// transaction. A reminder keeps the intent alive across restarts and failovers; the watchdog
/// restarts a replay that stopped making progress.
/// </summary>
public sealed partial class LineageGrain
{
    private const string ReplayReminder = "replay";
    private static readonly TimeSpan MaxReplayBackoff = TimeSpan.FromSeconds(30);

    private IGrainTimer? _replayTimer;
    /// <summary>Replay chunks that failed in a row; the wait before the next try grows with it.</summary>
    private int _replayErrors;

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
        if (ReplayDecisions.Stalled(_lineage, stalledAfter, Guid.CreateVersion7(), now).Events.Count == 0)
            return false;
        var since = _lineage.Replay?.LastProgressAt ?? _lineage.UpdatedAt;
        logger.LogWarning("Lineage {LineageId} has {Rows} staged rows and its replay made no progress since {Since}; restarting it",
            _lineage.Id, _lineage.Counters.StagedRowCount, since);
        metrics.ReplayStall();
        var result = await DecideAndCommitAsync(null, _lineage.Id, lineage => ReplayDecisions.Stalled(lineage!, stalledAfter, Guid.CreateVersion7(), now));
        if (!result.Succeeded)
            return false;
        _replayErrors = 0;
        if (_lineage is { IsReplaying: true, IsWriteBlocked: false })
            await StartReplayAsync();
        return true;
    }

    /// <summary>The reminder makes the intent durable: after a restart or failover it wakes the grain to go on.</summary>
    private async Task StartReplayAsync(TimeSpan? firstTryAfter = null)
    {
        await this.RegisterOrUpdateReminder(ReplayReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        StartReplayTimer(firstTryAfter ?? TimeSpan.Zero);
    }

    private async Task StopReplayAsync()
    {
        StopReplayTimer();
        if (await this.GetReminder(ReplayReminder) is { } reminder)
            await this.UnregisterReminder(reminder);
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
            // Snapshots first: they are older than the rows staged behind them, and the guard orders the rest.
            if (lineage.PendingSnapshots.Count > 0)
            {
                await ApplySnapshotChunkAsync(lineage, lineage.PendingSnapshots[0], ct);
                return;
            }
            await using var tx = await store.BeginAsync(ct);
            var rows = await effects.OldestStagedAsync(tx, lineage.Id, options.Value.ReplayChunkRows, ct);
            Decision decision;
            IReadOnlyList<SetAside> setAside = [];
            if (rows.Count == 0)
            {
                decision = ReplayDecisions.NothingLeft(lineage, clock.GetUtcNow());
            }
            else
            {
                var policy = await PolicyAsync(lineage.ProjectId);
                setAside = await effects.WriteStagedAsync(tx, lineage, rows, policy.OnPermanentRowError == PermanentRowErrorAction.Quarantine, clock.GetUtcNow());
                var last = rows[^1];
                // The rows set aside are in the quarantine now: they leave staging with the rest of the chunk.
                await effects.DrainedThroughAsync(tx, lineage.Id, last, ct);
                var quarantined = setAside.SelectMany(g => g.CommitSeqs.Select(seq => (g.JournalEpoch, seq))).ToHashSet();
                var written = rows.Where(r => !quarantined.Contains((r.JournalEpoch, r.SourceCommitSeq))).ToList();
                var chunk = new ReplayChunk(written.Count, written.Sum(r => (long)r.Bytes), last.JournalEpoch, last.SourceCommitSeq);
                decision = ReplayDecisions.ChunkApplied(lineage, chunk, policy, Guid.CreateVersion7(), clock.GetUtcNow(), setAside);
            }
            var next = await tx.AppendAsync(lineage, lineage.Id, decision.Events);
            // Not applied: the grain has reloaded, and the next tick goes on from what is stored.
            if (await CommitAsync(tx, next, decision.Events))
            {
                _lineage = next;
                if (setAside.Count > 0)
                {
                    logger.LogWarning("Replay of lineage {LineageId}: {Rows} rows set aside in the quarantine: {Error}",
                        lineage.Id, setAside.Sum(g => g.CommitSeqs.Count), setAside[0].Error);
                    metrics.RowsQuarantined(setAside.Sum(g => g.CommitSeqs.Count), "replay");
                }
            }
            if (_lineage is not { IsReplaying: true })
                await StopReplayAsync();
        }
        catch (MirrorWriteException e) when (e.IsPermanent)
        {
            // Counted, and tried again later; every failure of a retry counts too, until the breaker trips.
            logger.LogWarning("Replay of lineage {LineageId} failed: {Error}", lineage.Id, e.Message);
            metrics.ReplayError("permanent");
            StopReplayTimer();
            var policy = await PolicyAsync(lineage.ProjectId);
            await DecideAndCommitAsync(null, lineage.Id, current => ReplayDecisions.ChunkFailed(current!, e.Message, policy, Guid.CreateVersion7(), clock.GetUtcNow()));
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
                await DecideAndCommitAsync(null, lineage.Id, current => current is { IsReplaying: true }
                    ? ReplayDecisions.ChunkErrored(current, $"{error.GetType().Name}: {error.Message}", clock.GetUtcNow())
                    : Decision.Nothing);
        }
        catch (Exception e) when (Unreachable(e))
        {
            logger.LogWarning("Replay of lineage {LineageId}: the failure could not be recorded ({Error}); the next try reloads", _lineage?.Id, e.Message);
        }
        if (_lineage is not { IsReplaying: true, IsWriteBlocked: false })
            StopReplayTimer();
    }
}
