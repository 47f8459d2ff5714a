using EdgeSync.Agent.Connection;
using EdgeSync.Agent.State;
using EdgeSync.Agent.Uploads;
using EdgeSync.Wire;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace EdgeSync.Agent.Controls;

/// <summary>
/// Handles downlink controls. A received control is first stored in state.db (so a crash cannot
/// lose it), then acknowledged on <c>sync/ingest/ack</c> — every control, every time it arrives,
/// redeliveries included — and only after the acknowledgement's PUBACK applied:
/// <c>pause_lineage</c> stops publishing the table and remembers <c>server_watermark</c>;
/// <c>resume_lineage</c> publishes again from <c>server_watermark + 1</c>. A control is applied
/// only when it is newer (UUIDv7 order) than the last one applied to its table, so a redelivered
/// or late older control cannot undo a newer one.
/// <c>url_grant</c> hands the upload URL to the upload in progress (<paramref name="onGrant"/>).
/// </summary>
public sealed class ControlProcessor(StateStore state, BrokerSession session, Action requestFlush, ILogger logger, Action<UrlGrant>? onGrant = null)
{
    private readonly SemaphoreSlim _work = new(0);

    /// <summary>The MQTT receive handler: store, then wake the processor (publishing happens outside the receive loop).</summary>
    public Task ReceiveAsync(MqttApplicationMessage message)
    {
        if (message.Topic != session.ControlTopic)
            return Task.CompletedTask;
        var payload = message.ConvertPayloadToString() ?? "";
        var control = ControlMessage.TryRead(payload);
        if (control is null)
        {
            logger.LogWarning("Ignored a control without control_id on {Topic}: {Payload}", message.Topic, payload.Length > 200 ? payload[..200] + "…" : payload);
            return Task.CompletedTask;
        }
        try
        {
            state.AddPendingControl(control.ControlId, payload);
        }
        catch (Exception e)
        {
            // The cloud re-sends unacknowledged controls; it comes again.
            logger.LogError(e, "Could not store control {ControlId}; it is not acknowledged and will be re-sent by the cloud", control.ControlId);
            return Task.CompletedTask;
        }
        _work.Release();
        return Task.CompletedTask;
    }

    /// <summary>Wakes the processor (after a reconnect, to acknowledge what is still pending).</summary>
    public void Wake() => _work.Release();

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await _work.WaitAsync(TimeSpan.FromSeconds(5), ct);
                if (session.IsConnected)
                    await ProcessPendingAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private async Task ProcessPendingAsync(CancellationToken ct)
    {
        foreach (var pending in state.PendingControls())
        {
            var control = ControlMessage.TryRead(pending.Payload)!;
            try
            {
                var result = await session.PublishAsync(DeviceTopics.IngestAck, control.Acknowledgement(), ct);
                if (!result.IsSuccess && result.ReasonCode != MqttClientPublishReasonCode.NoMatchingSubscribers)
                    logger.LogWarning("The acknowledgement of control {ControlId} got PUBACK {Code}{Reason}", control.ControlId, result.ReasonCode,
                        result.ReasonString is { Length: > 0 } r ? $" ({r})" : "");
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogWarning("Could not acknowledge control {ControlId} ({Error}); retrying after reconnect", control.ControlId, e.Message);
                return;
            }
            Apply(control, pending.Payload);
            state.RemovePendingControl(pending.Seq);
        }
    }

    private void Apply(ControlMessage control, string payload)
    {
        if (control.Kind == ControlMessage.UrlGrant)
        {
            if (UrlGrant.TryRead(payload) is { } grant && onGrant is not null)
                onGrant(grant);
            else
                logger.LogWarning("Acknowledged url_grant {ControlId} for {Table}: it lacks upload_id, an http(s) presigned_url or presigned_url_expires_at; ignored",
                    control.ControlId, control.SourceTable);
            return;
        }
        if (control.Kind is not (ControlMessage.PauseLineage or ControlMessage.ResumeLineage) || string.IsNullOrEmpty(control.SourceTable))
        {
            logger.LogWarning("Acknowledged control {ControlId} of unknown kind '{Kind}' (table {Table}); ignored", control.ControlId, control.Kind, control.SourceTable);
            return;
        }
        var table = state.Get(control.SourceTable);
        if (table.LastControlId is { } last && string.CompareOrdinal(control.ControlId, last) <= 0)
        {
            logger.LogDebug("Control {ControlId} for {Table} is not newer than {Last}; acknowledged again, not applied", control.ControlId, control.SourceTable, last);
            return;
        }
        if (control.Kind == ControlMessage.PauseLineage)
        {
            state.Pause(control.SourceTable, control.ServerWatermark, control.ControlId);
            logger.LogWarning("The cloud paused table {Table} (server_watermark {Watermark}): {Reason}. Its changes stay in the journal until it resumes; other tables keep flowing",
                control.SourceTable, control.ServerWatermark, control.Reason ?? "no reason given");
        }
        else
        {
            var applied = state.Resume(control.SourceTable, control.ServerWatermark, control.ControlId);
            logger.LogInformation("The cloud resumed table {Table}: publishing again from commit_seq {From}", control.SourceTable,
                applied ? control.ServerWatermark + 1 : state.Get(control.SourceTable).LastPublishedCommitSeq + 1);
            requestFlush();
        }
    }
}
