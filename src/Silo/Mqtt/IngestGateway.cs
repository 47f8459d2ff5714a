using System.Text.Json;
using EdgeSync.Lineages;
using EdgeSync.Storage;
using EdgeSync.Wire;

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
/// Turns a device's uplink into a grain call. Anything thrown from here means "not durable":
/// the broker then withholds the acknowledgement so that the device delivers again.
/// </summary>
public sealed class IngestGateway(
    IGrainFactory grains, RejectionLog rejections, PendingControls controls, IngestMetrics metrics, TimeProvider clock, ILogger<IngestGateway> logger)
{
    public async Task<UplinkVerdict> HandleAsync(DeviceSession device, string topic, string uplink, ReadOnlyMemory<byte> payload)
    {
        var (outcome, sourceTable) = uplink switch
        {
            DeviceTopics.RowBatch => await IngestRowsAsync(device, payload),
            DeviceTopics.SchemaObserve => await ObserveSchemaAsync(device, payload),
            DeviceTopics.IngestAck => await AcknowledgeAsync(device, payload),
            _ => (IngestOutcome.Rejected(null, new Rejection(UnsupportedUplink,
                $"'{uplink}' is not handled by this version of the service")), null),
        };
        if (outcome.Rejection is not { } rejection)
        {
            metrics.Record(uplink, outcome);
            return UplinkVerdict.Accepted;
        }

        var context = RejectedPayloadContext.Read(payload);
        await rejections.RecordAsync(new RejectionRecord(0, device.Identity.ProjectId, device.Identity.DeviceId, topic,
            sourceTable ?? context.SourceTable, context.BatchId, rejection.Code, rejection.Detail, payload.Length, clock.GetUtcNow()));
        metrics.Record(uplink, outcome);
        logger.LogInformation("Rejected {Uplink} from {Device}: {Code} ({Detail})", uplink, device.Identity.DeviceName, rejection.Code, rejection.Detail);
        return rejection.Code is RejectionCodes.PayloadTooLarge or RejectionCodes.BatchTooManyRows
            ? UplinkVerdict.RejectedQuota
            : UplinkVerdict.RejectedFormat;
    }

    /// <summary>Recorded for uplinks whose handling is not built yet, so they are never silently dropped.</summary>
    public const string UnsupportedUplink = "unsupported_uplink";

    private async Task<(IngestOutcome, string?)> IngestRowsAsync(DeviceSession device, ReadOnlyMemory<byte> payload)
    {
        var read = RowBatchReader.Read(payload);
        if (read.Rejection is { } rejection)
            return (IngestOutcome.Rejected(null, rejection), null);
        var batch = read.Value!;
        var grain = grains.GetGrain<ILineageGrain>(ILineageGrain.KeyOf(device.Identity.DeviceId, batch.SourceTable));
        return (await grain.IngestRows(device.Identity, batch), batch.SourceTable);
    }

    private async Task<(IngestOutcome, string?)> ObserveSchemaAsync(DeviceSession device, ReadOnlyMemory<byte> payload)
    {
        var read = SchemaObservationReader.Read(payload);
        if (read.Rejection is { } rejection)
            return (IngestOutcome.Rejected(null, rejection), null);
        var observation = read.Value!;
        var grain = grains.GetGrain<ILineageGrain>(ILineageGrain.KeyOf(device.Identity.DeviceId, observation.SourceTable));
        return (await grain.ObserveSchema(device.Identity, observation), observation.SourceTable);
    }

    /// <summary>
    /// Acknowledgements of unknown, superseded or already acknowledged controls are accepted and
    /// ignored: devices acknowledge every redelivery.
    /// </summary>
    private async Task<(IngestOutcome, string?)> AcknowledgeAsync(DeviceSession device, ReadOnlyMemory<byte> payload)
    {
        var read = ControlAckReader.Read(payload);
        if (read.Rejection is { } rejection)
            return (IngestOutcome.Rejected(null, rejection), null);
        if (await controls.FindOpenAsync(device.Identity.DeviceId, read.Value!.ControlId) is not { } control)
            return (new IngestOutcome(IngestStatus.Duplicate, null, 0, 0, null), null);
        await grains.GetGrain<ILineageGrain>(ILineageGrain.KeyOf(device.Identity.DeviceId, control.SourceTable)).AcknowledgeControl(control.ControlId);
        return (new IngestOutcome(IngestStatus.Accepted, control.LineageId, 0, 0, null), control.SourceTable);
    }

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
            catch (JsonException)
            {
                return new(null, null);
            }
        }

        private static string? StringField(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                ? Truncate(value.GetString()!, 255)
                : null;

        private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max];
    }
}
