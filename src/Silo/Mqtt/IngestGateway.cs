using System.Text;
using System.Text.Json;
using EdgeSync.Lineages;
using EdgeSync.Mirrors;
using EdgeSync.Silo.Hosting;
using EdgeSync.Silo.Observability;
using EdgeSync.Storage;
using EdgeSync.Wire;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Runtime.Messaging;

namespace EdgeSync.Silo.Mqtt;

/// <summary>What the broker answers a device for one uplink message.</summary>
public enum UplinkVerdict
{
    /// <summary>Durable (or an accepted redelivery): acknowledge.</summary>
    Accepted,
    /// <summary>Refused with a code and recorded: acknowledge so the device does not resend identical bytes.</summary>
    RejectedFormat,
    /// <summary>Refused for its size or row count and recorded: acknowledge.</summary>
    RejectedQuota,
}

/// <summary>
/// Turns a device's uplink into a grain call. Every uplink ends accepted or as a recorded
/// rejection with a code; anything thrown from here means "not durable" (the database or the
/// cluster is unavailable, or a failure of unknown kind): the broker then withholds the
/// acknowledgement so that the device delivers again. A failure that the payload itself causes every time (see
/// <see cref="PayloadFault"/>) is a rejection, never a reason to withhold: the device would
/// redeliver the same bytes forever.
/// </summary>
public sealed class IngestGateway(
    IGrainFactory grains, RejectionLog rejections, PendingControls controls, IngestMetrics metrics, IOptions<MqttOptions> options, TimeProvider clock,
    ILogger<IngestGateway> logger)
{
    public async Task<UplinkVerdict> HandleAsync(DeviceSession device, string topic, string uplink, ReadOnlyMemory<byte> payload)
    {
        IngestOutcome outcome;
        string? sourceTable;
        try
        {
            (outcome, sourceTable) = uplink switch
            {
                DeviceTopics.RowBatch => await IngestRowsAsync(device, payload),
                DeviceTopics.TelemetryBatch => await IngestTelemetryAsync(device, payload),
                DeviceTopics.SchemaObserve => await ObserveSchemaAsync(device, payload),
                DeviceTopics.IngestAck => await AcknowledgeAsync(device, payload),
                DeviceTopics.IngestRequest => await RequestIngestAsync(device, payload),
                _ => (IngestOutcome.Rejected(null, new Rejection(UnsupportedUplink,
                    $"'{uplink}' is not handled by this version of the service")), null),
            };
        }
        catch (Exception e) when (PayloadFault(e) is { } fault)
        {
            logger.LogError(e, "The {Uplink} of {Device} failed in a way its payload causes every time; recording it as {Code}",
                uplink, device.Identity.DeviceName, fault.Code);
            (outcome, sourceTable) = (IngestOutcome.Rejected(null, fault), null);
        }
        if (outcome.Rejection is not { } rejection)
        {
            metrics.Record(uplink, outcome);
            return UplinkVerdict.Accepted;
        }

        var context = RejectedPayloadContext.Read(payload);
        var record = RejectionLog.Storable(new RejectionRecord(0, device.Identity.ProjectId, device.Identity.DeviceId, topic,
            sourceTable ?? context.SourceTable, context.BatchId, rejection.Code, rejection.Detail, payload.Length, clock.GetUtcNow()));
        await rejections.RecordAsync(record);
        metrics.Record(uplink, outcome);
        logger.LogInformation("Rejected {Uplink} from {Device}: {Code} ({Detail})", uplink, device.Identity.DeviceName, record.Code, record.Detail);
        return rejection.Code is RejectionCodes.PayloadTooLarge or RejectionCodes.BatchTooManyRows or RejectionCodes.TooManyOpenUploads
            ? UplinkVerdict.RejectedQuota
            : UplinkVerdict.RejectedFormat;
    }

    /// <summary>Recorded for uplinks whose handling is not built yet, so they are never silently dropped.</summary>
    public const string UnsupportedUplink = "unsupported_uplink";

    /// <summary>
    /// The rejection for a failure that is permanent for this payload — PostgreSQL refused a
    /// value (SQLSTATE class 22, data exception, or 54, program limit exceeded), text could not be
    /// encoded, a permanent mirror write error escaped — or null for anything else, which is
    /// treated as "not durable" as before: connection failures, timeouts, an unavailable cluster
    /// and failures of unknown kind must never cost a device its batch.
    /// The wire checks are meant to refuse such payloads first; this is the net under them.
    /// </summary>
    public static Rejection? PayloadFault(Exception exception)
    {
        if (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
            return PayloadFault(aggregate.InnerExceptions[0]);
        return exception switch
        {
            PostgresException { SqlState: "22003" } e =>
                new Rejection(RejectionCodes.ValueOutOfRange, $"PostgreSQL cannot hold a value of the payload: {e.MessageText}"),
            PostgresException e when !MirrorWriteException.IsTransient(e) && (e.SqlState.StartsWith("22", StringComparison.Ordinal) || e.SqlState.StartsWith("54", StringComparison.Ordinal)) =>
                new Rejection(RejectionCodes.UnstorablePayload, $"PostgreSQL refused the payload: {e.SqlState} {e.MessageText}"),
            MirrorWriteException { IsPermanent: true, InnerException: PostgresException inner } => PayloadFault(inner),
            EncoderFallbackException or DecoderFallbackException =>
                new Rejection(RejectionCodes.UnstorablePayload, $"The payload holds text that cannot be encoded: {exception.Message}"),
            _ => null,
        };
    }

    private async Task<(IngestOutcome, string?)> IngestRowsAsync(DeviceSession device, ReadOnlyMemory<byte> payload)
    {
        var read = Validated(DeviceTopics.RowBatch, RowBatchReader.Read, payload);
        if (read.Rejection is { } rejection)
            return (IngestOutcome.Rejected(null, rejection), null);
        var batch = read.Value!;
        var grain = grains.GetGrain<ILineageGrain>(ILineageGrain.KeyOf(device.Identity.DeviceId, batch.SourceTable));
        return (await ThroughMembershipChangesAsync(() => grain.IngestRows(device.Identity, batch)), batch.SourceTable);
    }

    private async Task<(IngestOutcome, string?)> IngestTelemetryAsync(DeviceSession device, ReadOnlyMemory<byte> payload)
    {
        var read = Validated(DeviceTopics.TelemetryBatch, TelemetryBatchReader.Read, payload);
        if (read.Rejection is { } rejection)
            return (IngestOutcome.Rejected(null, rejection), null);
        var batch = read.Value!;
        var grain = grains.GetGrain<ILineageGrain>(ILineageGrain.KeyOf(device.Identity.DeviceId, batch.SourceTable));
        return (await ThroughMembershipChangesAsync(() => grain.IngestTelemetry(device.Identity, batch)), batch.SourceTable);
    }

    private async Task<(IngestOutcome, string?)> ObserveSchemaAsync(DeviceSession device, ReadOnlyMemory<byte> payload)
    {
        var read = Validated(DeviceTopics.SchemaObserve, SchemaObservationReader.Read, payload);
        if (read.Rejection is { } rejection)
            return (IngestOutcome.Rejected(null, rejection), null);
        var observation = read.Value!;
        var grain = grains.GetGrain<ILineageGrain>(ILineageGrain.KeyOf(device.Identity.DeviceId, observation.SourceTable));
        return (await ThroughMembershipChangesAsync(() => grain.ObserveSchema(device.Identity, observation)), observation.SourceTable);
    }

    /// <summary>A <c>url_request</c> or a <c>finalize</c>, to the lineage of its table.</summary>
    private async Task<(IngestOutcome, string?)> RequestIngestAsync(DeviceSession device, ReadOnlyMemory<byte> payload)
    {
        var read = Validated(DeviceTopics.IngestRequest, IngestRequestReader.Read, payload);
        if (read.Rejection is { } rejection)
            return (IngestOutcome.Rejected(null, rejection), null);
        var request = read.Value!;
        var grain = grains.GetGrain<ILineageGrain>(ILineageGrain.KeyOf(device.Identity.DeviceId, request.SourceTable));
        return (await ThroughMembershipChangesAsync(() => request.RequestKind == IngestRequest.UrlRequest
            ? grain.RequestUpload(device.Identity, request)
            : grain.FinalizeUpload(device.Identity, request)), request.SourceTable);
    }

    /// <summary>
    /// Acknowledgements of unknown, superseded or already acknowledged controls are accepted and
    /// ignored: devices acknowledge every redelivery.
    /// </summary>
    private async Task<(IngestOutcome, string?)> AcknowledgeAsync(DeviceSession device, ReadOnlyMemory<byte> payload)
    {
        var read = Validated(DeviceTopics.IngestAck, ControlAckReader.Read, payload);
        if (read.Rejection is { } rejection)
            return (IngestOutcome.Rejected(null, rejection), null);
        if (await controls.FindOpenAsync(device.Identity.DeviceId, read.Value!.ControlId) is not { } control)
            return (new IngestOutcome(IngestStatus.Duplicate, null, 0, 0, null), null);
        var grain = grains.GetGrain<ILineageGrain>(ILineageGrain.KeyOf(device.Identity.DeviceId, control.SourceTable));
        await ThroughMembershipChangesAsync(async () =>
        {
            await grain.AcknowledgeControl(control.ControlId);
            return true;
        });
        return (new IngestOutcome(IngestStatus.Accepted, control.LineageId, 0, 0, null), control.SourceTable);
    }

    /// <summary>
    /// A grain call that fails because the node holding the grain has just died (or its messages
    /// are refused while the cluster changes) is tried again, with the acknowledgement held, until
    /// <see cref="MqttOptions.ClusterRetryFor"/> has passed: the cluster declares a dead node dead
    /// and activates the grain elsewhere within seconds. Giving up at once would drop the device's
    /// connection, and every device that reconnected and redelivered would be dropped again until
    /// the cluster settled. The calls are idempotent (the batch ledger, acknowledged controls).
    /// </summary>
    private async Task<T> ThroughMembershipChangesAsync<T>(Func<Task<T>> call)
    {
        var giveUpAt = clock.GetUtcNow() + options.Value.ClusterRetryFor;
        var pause = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (IsClusterChange(e) && clock.GetUtcNow() + pause < giveUpAt)
            {
                logger.LogInformation("A grain call failed while the cluster changes ({Error}); trying again in {Pause}", e.GetType().Name, pause);
                metrics.RecordClusterRetry();
                await Task.Delay(pause, clock);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }

    /// <summary>Parses and checks a payload inside its <c>uplink.validate</c> span.</summary>
    private static WireResult<T> Validated<T>(string uplink, Func<ReadOnlyMemory<byte>, WireResult<T>> read, ReadOnlyMemory<byte> payload)
    {
        using var span = UplinkSpans.Validate(uplink);
        var result = read(payload);
        if (result.Rejection is { } rejection)
            span?.SetTag("edgesync.rejection_code", rejection.Code);
        return result;
    }

    private static bool IsClusterChange(Exception e) =>
        e is SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException or GatewayTooBusyException
            or TimeoutException;

    /// <summary>Best-effort table and batch id of a refused payload, for the rejection record.</summary>
    private sealed record RejectedPayloadContext(string? SourceTable, string? BatchId)
    {
        public static RejectedPayloadContext Read(ReadOnlyMemory<byte> payload)
        {
            try
            {
                using var document = JsonDocument.Parse(payload);
                var root = document.RootElement;
                return root.ValueKind != JsonValueKind.Object
                    ? new(null, null)
                    : new(StringField(root, "source_table"), StringField(root, "batch_id"));
            }
            // Member names with unpaired surrogate escapes make the lookup throw InvalidOperationException.
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                return new(null, null);
            }
        }

        /// <summary>
        /// The string as sent; as its JSON text when it holds an unpaired surrogate escape, which
        /// has no string form. <see cref="RejectionLog"/> escapes and cuts it.
        /// </summary>
        private static string? StringField(JsonElement root, string name)
        {
            if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
                return null;
            try
            {
                return value.GetString();
            }
            catch (InvalidOperationException)
            {
                return value.GetRawText()[1..^1];
            }
        }
    }
}
