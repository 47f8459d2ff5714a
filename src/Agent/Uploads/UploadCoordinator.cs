using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeSync.Agent.Capture;
using EdgeSync.Agent.Connection;
using EdgeSync.Agent.Publish;
using EdgeSync.Agent.State;
using EdgeSync.Wire;
using Microsoft.Extensions.Logging;

namespace EdgeSync.Agent.Uploads;

/// <summary>
/// Drives the uploads of the agent (bootstrap snapshots and payload spills) through their steps,
/// one per table at a time, each step recorded in state.db so that a restart continues where it
/// stopped: <c>sync/schema/observe</c> with the columns (bootstrap) → <c>url_request</c> → the
/// <c>url_grant</c> control (<see cref="Grant"/>) → HTTP PUT of the object (streamed from the file,
/// in the background so that other tables keep flowing) → <c>finalize</c>. An expired URL or a
/// refused PUT asks for a new URL; a grant that does not come is asked for again after a minute;
/// a finalize is resent with the same batch id until its PUBACK. The table's journal waits until the
/// finalize is acknowledged.
/// </summary>
public sealed class UploadCoordinator : IDisposable
{
    private static readonly TimeSpan GrantWait = TimeSpan.FromMinutes(1);

    private readonly StateStore _state;
    private readonly JournalStore _journal;
    private readonly BrokerSession _session;
    private readonly ILogger _logger;
    private readonly Action _requestFlush;
    private readonly Action<string> _onLostBootstrap;
    private readonly string _directory;
    private readonly string _prefix;
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private readonly Dictionary<string, Task> _puts = new(StringComparer.Ordinal);

    /// <param name="onLostBootstrap">Called with a table whose bootstrap file disappeared: the snapshot must be taken again.</param>
    public UploadCoordinator(string stateDatabasePath, StateStore state, JournalStore journal, BrokerSession session, ILogger logger, Action requestFlush,
        Action<string> onLostBootstrap)
    {
        _onLostBootstrap = onLostBootstrap;
        _state = state;
        _journal = journal;
        _session = session;
        _logger = logger;
        _requestFlush = requestFlush;
        _directory = Path.GetDirectoryName(Path.GetFullPath(stateDatabasePath))!;
        _prefix = Path.GetFileName(stateDatabasePath) + ".upload-";
    }

    /// <summary>A new file for an upload object, beside state.db.</summary>
    public string NewFile() => Path.Combine(_directory, _prefix + Guid.CreateVersion7().ToString("N") + ".jsonl.zst");

    /// <summary>Deletes upload files no upload refers to (left by a crash while one was written, or by an abandoned upload).</summary>
    public void RemoveOrphanFiles()
    {
        var inUse = _state.UploadTables().Select(t => _state.Upload(t)?.File).Where(f => f is not null).ToHashSet(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(_directory, _prefix + "*"))
            if (!inUse.Contains(file))
                TryDelete(file);
    }

    /// <summary>True when the table's journal must wait (an upload of it is in progress).</summary>
    public bool Holds(string table) => _state.Upload(table) is not null;

    /// <summary>A <c>url_grant</c> control (already acknowledged).</summary>
    public void Grant(UrlGrant grant)
    {
        if (_state.GrantUpload(grant.SourceTable, grant.UploadId, grant.PresignedUrl, grant.ExpiresAt))
        {
            _logger.LogInformation("Upload URL granted for {Table} (upload {UploadId}, valid until {Expires:O})", grant.SourceTable, grant.UploadId, grant.ExpiresAt);
            _requestFlush();
        }
        else
            _logger.LogWarning("url_grant {UploadId} for {Table} ignored: no upload of that table is waiting for a URL", grant.UploadId, grant.SourceTable);
    }

    /// <summary>Moves every upload one or more steps on (needs the connection).</summary>
    /// <exception cref="MQTTnet.Exceptions.MqttCommunicationException">The connection failed.</exception>
    public async Task AdvanceAsync(CancellationToken ct)
    {
        foreach (var table in _state.UploadTables())
            await AdvanceAsync(table, ct);
    }

    private async Task AdvanceAsync(string table, CancellationToken ct)
    {
        for (var steps = 0; steps < 5 && _session.IsConnected; steps++)
        {
            var upload = _state.Upload(table);
            if (upload is null || _state.Get(table).Paused)
                return;
            if (upload.Step != UploadStep.Finalize && !File.Exists(upload.File))
            {
                // Deleted by hand: the object is written again (a spill from the journal, a
                // bootstrap as a new snapshot at the current journal position).
                _logger.LogError("The upload file {File} of {Table} is gone; starting that {Kind} again", upload.File, table, upload.SegmentKind);
                _state.DropUpload(table);
                if (upload.SegmentKind == UploadState.BootstrapSnapshot)
                    _onLostBootstrap(table);
                return;
            }
            switch (upload.Step)
            {
                case UploadStep.Observe:
                    var observe = SchemaObservePayload.Build(table, upload.SchemaHash, _journal.FingerprintOf(upload.SchemaHash), DateTimeOffset.UtcNow);
                    if (!await PublishAsync(table, DeviceTopics.SchemaObserve, observe, "sync/schema/observe", ct))
                        return;
                    _state.SetUploadStep(table, UploadStep.Request);
                    break;
                case UploadStep.Request:
                case UploadStep.AwaitGrant when upload.RequestedAt is null || DateTimeOffset.UtcNow - upload.RequestedAt > GrantWait:
                    if (!await PublishAsync(table, DeviceTopics.IngestRequest, IngestRequestPayload.UrlRequest(table, upload.SegmentKind), "url_request", ct))
                        return;
                    _state.UploadRequested(table);
                    _logger.LogInformation("Asked for an upload URL for {Table} ({Kind}, {Bytes} bytes)", table, upload.SegmentKind, SizeOf(upload.File));
                    return;
                case UploadStep.Put when upload.PresignedUrlExpiresAt is { } expires && expires <= DateTimeOffset.UtcNow.AddSeconds(10):
                    _logger.LogWarning("The upload URL of {Table} (upload {UploadId}) expired before the object was stored; asking for a new one", table, upload.UploadId);
                    _state.SetUploadStep(table, UploadStep.Request);
                    break;
                case UploadStep.Put:
                    StartPut(upload, ct);
                    return;
                case UploadStep.Finalize:
                    var finalize = IngestRequestPayload.Finalize(table, upload.UploadId!, upload.BatchId!, upload.SegmentKind);
                    var result = await _session.PublishAsync(DeviceTopics.IngestRequest, finalize, ct);
                    switch (PubAck.Judge(result))
                    {
                        case PubAckVerdict.Accepted:
                            _state.CompleteUpload(upload);
                            TryDelete(upload.File);
                            _logger.LogInformation("Upload of {Table} finalized ({Kind}, upload {UploadId}, batch {BatchId}{Rows})", table, upload.SegmentKind,
                                upload.UploadId, upload.BatchId, upload.SegmentKind == UploadState.BootstrapSnapshot ? $", {upload.RowCount} rows" : "");
                            return;
                        case PubAckVerdict.Rejected:
                            _logger.LogError("The cloud REJECTED the finalize of {Table} upload {UploadId}: PUBACK {Code}{Reason}; uploading the object again under a new URL",
                                table, upload.UploadId, result.ReasonCode, result.ReasonString is { Length: > 0 } r ? $" ({r})" : "");
                            _state.SetUploadStep(table, UploadStep.Request);
                            break;
                        default:
                            _logger.LogWarning("The finalize of {Table} upload {UploadId} got PUBACK {Code}; sent again at the next flush", table, upload.UploadId, result.ReasonCode);
                            return;
                    }
                    break;
                default:
                    return;
            }
        }
    }

    private async Task<bool> PublishAsync(string table, string topic, byte[] payload, string what, CancellationToken ct)
    {
        var result = await _session.PublishAsync(topic, payload, ct);
        if (PubAck.Judge(result) != PubAckVerdict.Failed)
            return true;
        _logger.LogWarning("{What} for {Table} got PUBACK {Code}; trying again at the next flush", what, table, result.ReasonCode);
        return false;
    }

    private void StartPut(UploadState upload, CancellationToken ct)
    {
        lock (_puts)
        {
            if (_puts.TryGetValue(upload.Table, out var running) && !running.IsCompleted)
                return;
            _puts[upload.Table] = Task.Run(() => PutAsync(upload, ct), CancellationToken.None);
        }
    }

    private async Task PutAsync(UploadState upload, CancellationToken ct)
    {
        try
        {
            await using var file = new FileStream(upload.File, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            using var content = new StreamContent(file, 1 << 16);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/zstd");
            content.Headers.ContentLength = file.Length;
            using var response = await _http.PutAsync(upload.PresignedUrl, content, ct);
            if (response.IsSuccessStatusCode)
            {
                _state.UploadStored(upload.Table, upload.UploadId!, upload.BatchId ?? Guid.CreateVersion7().ToString());
                _logger.LogInformation("Uploaded {Table} ({Kind}, {Bytes} bytes) for upload {UploadId}", upload.Table, upload.SegmentKind, file.Length, upload.UploadId);
            }
            else
            {
                var code = await ProblemCodeAsync(response, ct);
                var retryable = response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500;
                if (retryable)
                    _logger.LogWarning("The upload of {Table} got HTTP {Status}{Code}; trying again", upload.Table, (int)response.StatusCode, code);
                else
                {
                    _logger.LogError("The upload of {Table} was refused: HTTP {Status}{Code}; asking for a new URL", upload.Table, (int)response.StatusCode, code);
                    _state.SetUploadStep(upload.Table, UploadStep.Request);
                }
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            _logger.LogWarning("The upload of {Table} failed ({Error}); trying again at the next flush", upload.Table, e.Message);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        _requestFlush();
    }

    private static async Task<string> ProblemCodeAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            return document.RootElement.TryGetProperty("code", out var code) ? $" ({code})" : "";
        }
        catch (JsonException)
        {
            return "";
        }
    }

    private static long SizeOf(string file) => File.Exists(file) ? new FileInfo(file).Length : 0;

    private static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
        }
    }

    public void Dispose() => _http.Dispose();
}
