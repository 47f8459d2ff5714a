using EdgeSync.Agent.Capture;
using EdgeSync.Agent.Config;
using EdgeSync.Agent.Connection;
using EdgeSync.Agent.Publish;
using EdgeSync.Agent.State;
using EdgeSync.Agent.Telemetry;
using EdgeSync.Agent.Uploads;
using EdgeSync.Wire;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EdgeSync.Agent;

/// <summary>
/// The capture-and-publish cycle. Every <c>flush_interval</c> (or sooner when 4,096 rows or
/// 512 KiB are pending, or a resume asks for it): reopen the source database, check the journal's
/// identity (rotating the epoch when it was rebuilt) and the tables' schemas (reinstalling
/// triggers, queueing <c>sync/schema/observe</c>), move uploads on (bootstrap snapshots, payload
/// spills), publish every table that is not paused (rows tables from the journal, telemetry tables
/// from their rowid cursor), and prune the journal rows that are published and acknowledged.
/// </summary>
public sealed class SyncEngine : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    private readonly AgentConfig _config;
    private readonly SourceDatabase _source;
    private readonly StateStore _state;
    private readonly BrokerSession _session;
    private readonly ILogger _logger;
    private readonly JournalStore _journal;
    private readonly Enroller _enroller;
    private readonly TablePublisher _publisher;
    private readonly TelemetryPublisher _telemetryPublisher;
    private readonly SemaphoreSlim _flushNow = new(0);
    private long _schemaVersion = -1;
    private IReadOnlyList<TableShape> _enrolled = [];
    private IReadOnlyList<TelemetryTable> _telemetry = [];
    private long _highWater;
    private long _dataVersion = -1;
    private bool _sourceMissingLogged;

    public SyncEngine(AgentConfig config, SourceDatabase source, StateStore state, BrokerSession session, ILogger logger)
    {
        _config = config;
        _source = source;
        _state = state;
        _session = session;
        _logger = logger;
        _journal = new JournalStore(source);
        _enroller = new Enroller(source, _journal, config, logger);
        Uploads = new UploadCoordinator(config.StateDatabasePath, state, _journal, session, logger, RequestFlush, table =>
        {
            // A new snapshot at the current position (journal rows since the old one are in it).
            if (_enrolled.FirstOrDefault(t => t.Name == table) is { } shape)
                StartBootstrap(shape);
        });
        _publisher = new TablePublisher(_journal, state, session, logger, Uploads);
        _telemetryPublisher = new TelemetryPublisher(source, state, session, logger);
    }

    /// <summary>Bootstrap snapshots and payload spills in progress.</summary>
    public UploadCoordinator Uploads { get; }

    /// <summary>The telemetry tables being captured (after the last refresh).</summary>
    public IReadOnlyList<TelemetryTable> Telemetry => _telemetry;

    public void Dispose() => Uploads.Dispose();

    /// <summary>The tables being captured (after the last refresh).</summary>
    public IReadOnlyList<TableShape> Enrolled => _enrolled;

    /// <summary>Flush as soon as possible (a resume, a reconnect).</summary>
    public void RequestFlush() => _flushNow.Release();

    /// <summary>Enrolls the tables and checks the journal, before the first connection.</summary>
    public void Prepare()
    {
        RefreshCapture(force: true);
        Uploads.RemoveOrphanFiles();
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var nextFlush = DateTime.UtcNow;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var wait = nextFlush - DateTime.UtcNow;
                var flush = wait <= TimeSpan.Zero;
                if (!flush)
                    flush = await _flushNow.WaitAsync(wait < PollInterval ? wait : PollInterval, ct) || ThresholdReached();
                if (!flush)
                    continue;
                while (_flushNow.CurrentCount > 0)
                    _flushNow.Wait(0, CancellationToken.None);
                try
                {
                    await CycleAsync(ct);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    _logger.LogError(e, "The flush failed unexpectedly; retrying at the next flush");
                }
                nextFlush = DateTime.UtcNow + _config.FlushInterval;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>One flush: refresh the capture, publish, prune.</summary>
    public async Task CycleAsync(CancellationToken ct)
    {
        try
        {
            _source.Reopen();
            RefreshCapture(force: false);
            if (_sourceMissingLogged)
                _logger.LogInformation("The source database {Path} is back", _source.Path);
            _sourceMissingLogged = false;
        }
        catch (SourceDatabaseMissingException e)
        {
            if (!_sourceMissingLogged)
                _logger.LogError("{Error} Publishing is suspended until it is back", e.Message);
            _sourceMissingLogged = true;
            return;
        }
        catch (SqliteException e)
        {
            _logger.LogWarning("Reading the source database failed ({Error}); retrying at the next flush", e.Message);
            return;
        }

        try
        {
            if (_session.IsConnected)
            {
                await Uploads.AdvanceAsync(ct);
                foreach (var table in _enrolled)
                    await _publisher.PublishAsync(table.Name, ct);
                foreach (var table in _telemetry)
                    await _telemetryPublisher.PublishAsync(table, ct);
                await PublishObservationsAsync(ct);
                await Uploads.AdvanceAsync(ct); // a spill started by this cycle's batches asks for its URL now
            }
        }
        catch (Exception e) when (ct.IsCancellationRequested && e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            return; // stopping
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException e)
        {
            _logger.LogWarning("Publishing stopped ({Error}); the batch in flight is sent again after reconnecting", e.Message.TrimEnd('.'));
        }
        catch (SqliteException e)
        {
            _logger.LogWarning("Reading the journal failed ({Error}); retrying at the next flush", e.Message);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            _logger.LogWarning("A publish timed out; the batch in flight is sent again at the next flush");
        }

        try
        {
            Prune();
            _highWater = _journal.NewestSeq();
        }
        catch (SqliteException e)
        {
            _logger.LogWarning("Pruning the journal failed ({Error}); retrying at the next flush", e.Message);
        }
    }

    private void RefreshCapture(bool force)
    {
        var identity = _journal.ReadIdentity();
        var rebuilt = false;
        if (identity is null)
        {
            var existed = _journal.Exists();
            using (var transaction = _source.BeginImmediate())
            {
                identity = _journal.CreateIdentity(transaction);
                transaction.Commit();
            }
            rebuilt = true;
            if (_state.JournalId is null && !existed)
                _logger.LogInformation("Created the change journal {Journal} in {Path}", JournalStore.Table, _source.Path);
            else
                _logger.LogWarning("The change journal was deleted, emptied or the database file replaced; rebuilt it (new journal epoch, the tables' current rows are journaled again)");
        }
        else if (_state.JournalId == identity && _journal.HighestIssued() < _state.All().Select(t => t.LastPublishedCommitSeq).DefaultIfEmpty(0).Max())
        {
            // The journal's counter went backwards: an older copy of the database was restored.
            using (var transaction = _source.BeginImmediate())
            {
                identity = _journal.CreateIdentity(transaction);
                transaction.Commit();
            }
            rebuilt = true;
            _logger.LogWarning("The journal's commit_seq went backwards (an older copy of the database?); starting a new journal epoch and journaling the current rows again");
        }

        if (_state.JournalId != identity)
        {
            var epoch = Guid.CreateVersion7().ToString();
            if (_state.JournalId is not null || !rebuilt)
                _logger.LogWarning("Journal {Journal} is not the one this state knew ({Known}); publishing it from its beginning in the new journal epoch {Epoch}",
                    identity, _state.JournalId ?? "none: fresh state.db", epoch);
            else
                _logger.LogInformation("Journal epoch {Epoch}", epoch);
            _state.RotateEpoch(identity, epoch);
        }

        var version = _source.SchemaVersion();
        if (!force && !rebuilt && version == _schemaVersion)
            return;
        var decisions = _enroller.Apply(baselineAll: rebuilt, isNew: table => !_state.Has(table));
        _enrolled = decisions.Where(d => d.Outcome == TableOutcome.Enrolled).Select(d => d.Shape!).ToList();
        _telemetry = decisions.Where(d => d.Outcome == TableOutcome.EnrolledTelemetry).Select(d => new TelemetryTable(d.Shape!, d.TimestampColumn!)).ToList();
        foreach (var decision in decisions.Where(d => d.BootstrapRows is not null))
        {
            try
            {
                StartBootstrap(decision.Shape!);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or SqliteException)
            {
                // Nothing may publish the table before its snapshot exists (its first batch would
                // create its state and the snapshot would never be taken): held back and retried.
                _logger.LogWarning("Writing the bootstrap snapshot of {Table} failed ({Error}); the table waits and it is tried again at the next flush",
                    decision.Table, e.Message);
                _enrolled = _enrolled.Where(t => t.Name != decision.Table).ToList();
                _schemaVersion = -1;
                return;
            }
        }
        foreach (var table in _telemetry)
            _state.Telemetry(table.Name);
        foreach (var shape in _enrolled.Concat(_telemetry.Select(t => t.Shape)))
        {
            var known = _state.Get(shape.Name);
            if (known.SchemaHash == shape.Hash)
                continue;
            if (known.SchemaHash is not null)
                _logger.LogWarning("The schema of table {Table} changed ({Old} → {New}); triggers reinstalled, announcing it on sync/schema/observe",
                    shape.Name, known.SchemaHash[..12], shape.Hash[..12]);
            _state.SetSchema(shape.Name, shape.Hash, observe: known.SchemaHash is not null);
        }
        _schemaVersion = _source.SchemaVersion();
    }

    /// <summary>
    /// The first enrollment of a table that already holds many rows: its triggers are installed
    /// (changes from now on are journaled), and its content at the current journal position goes
    /// into a snapshot file, which is uploaded instead of being journaled as a baseline. Journal rows
    /// up to that position are in the snapshot; later ones are published after the finalize.
    /// </summary>
    private void StartBootstrap(TableShape shape)
    {
        var epoch = _state.CurrentEpoch!;
        var file = Uploads.NewFile();
        var started = DateTime.UtcNow;
        SnapshotWriter.Result snapshot;
        try
        {
            snapshot = SnapshotWriter.Write(_source, shape, epoch, file);
        }
        catch
        {
            File.Delete(file);
            throw;
        }
        _state.StartUpload(new UploadState(shape.Name, UploadState.BootstrapSnapshot, UploadStep.Observe, file, epoch, snapshot.CommitSeq, shape.Hash,
            SchemaColumnsSent: true, snapshot.RowCount, BatchId: null));
        _logger.LogInformation("Table {Table} holds {Rows} rows (more than bootstrap_threshold_rows {Threshold}): wrote its snapshot at commit_seq {Seq} " +
                               "({Bytes} bytes zstd, {Seconds:0.0} s); it is uploaded before the table's journal is published",
            shape.Name, snapshot.RowCount, _config.BootstrapThresholdRows, snapshot.CommitSeq, snapshot.Bytes, (DateTime.UtcNow - started).TotalSeconds);
    }

    /// <summary>
    /// Announces changed fingerprints on <c>sync/schema/observe</c>. This runs after the tables'
    /// batches, and not while a table is paused: the cloud (LineageDecider, as of this writing)
    /// queues a review only for a batch whose hash it has never seen, so an observation that
    /// arrived before the first batch of a new schema would leave that batch staged without a
    /// review. The batch carries <c>schema_columns</c> anyway; the observation stays advisory.
    /// </summary>
    private async Task PublishObservationsAsync(CancellationToken ct)
    {
        foreach (var table in _enrolled.Concat(_telemetry.Select(t => t.Shape)))
        {
            var current = _state.Get(table.Name);
            if (!current.ObservePending || current.SchemaHash is null || current.Paused)
                continue;
            var fingerprint = _telemetry.Any(t => t.Name == table.Name) ? table.Fingerprint.ToCanonicalJson() : _journal.FingerprintOf(current.SchemaHash);
            var payload = SchemaObservePayload.Build(table.Name, current.SchemaHash, fingerprint, DateTimeOffset.UtcNow);
            var result = await _session.PublishAsync(DeviceTopics.SchemaObserve, payload, ct);
            if (PubAck.Judge(result) == PubAckVerdict.Failed)
                _logger.LogWarning("sync/schema/observe for {Table} got PUBACK {Code}; trying again at the next flush", table.Name, result.ReasonCode);
            else
            {
                _state.ObservePublished(table.Name, current.SchemaHash);
                _logger.LogDebug("Published sync/schema/observe for {Table}: schema {Hash}", table.Name, current.SchemaHash[..12]);
            }
        }
    }

    private void Prune()
    {
        var pruned = 0;
        foreach (var table in _enrolled)
            pruned += _journal.Prune(table.Name, _state.Get(table.Name).LastPublishedCommitSeq);
        pruned += _journal.PruneOthers(_enrolled.Select(t => t.Name).ToList());
        if (pruned > 0)
            _logger.LogDebug("Pruned {Rows} published journal rows", pruned);
    }

    private bool ThresholdReached()
    {
        try
        {
            var dataVersion = _source.DataVersion();
            if (dataVersion == _dataVersion)
                return false;
            _dataVersion = dataVersion;
            var (rows, bytes) = _journal.PendingAfter(_highWater);
            return rows >= RowBatchBuilder.MaxRows || bytes >= RowBatchBuilder.MaxBytes;
        }
        catch (SqliteException)
        {
            return false;
        }
    }
}
