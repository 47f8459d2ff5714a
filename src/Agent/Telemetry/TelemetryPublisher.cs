using EdgeSync.Agent.Capture;
using EdgeSync.Agent.Connection;
using EdgeSync.Agent.Publish;
using EdgeSync.Agent.State;
using EdgeSync.Wire;
using Microsoft.Extensions.Logging;

namespace EdgeSync.Agent.Telemetry;

/// <summary>
/// Publishes one telemetry table's rows after its cursor, batch after batch, oldest first, until
/// it is caught up, paused, or a publish fails. The next batch (id, <c>batch_seq</c>, last rowid)
/// is recorded in state.db before it is published, so a retry after a lost connection or a crash
/// sends the same <c>batch_id</c> and <c>batch_seq</c> with the same rows; the cursor advances only
/// after the PUBACK. A rejection PUBACK is logged and the cursor advances too: resending identical
/// bytes cannot succeed, and the cloud keeps the rejection in its log.
/// </summary>
public sealed class TelemetryPublisher(SourceDatabase database, StateStore state, BrokerSession session, ILogger logger)
{
    /// <summary>Publishes what is pending for <paramref name="table"/>; returns the number of rows published.</summary>
    /// <exception cref="MQTTnet.Exceptions.MqttCommunicationException">The connection failed; the batch stays in flight.</exception>
    public async Task<int> PublishAsync(TelemetryTable table, CancellationToken ct)
    {
        var published = 0;
        while (!ct.IsCancellationRequested && session.IsConnected)
        {
            if (state.Get(table.Name).Paused)
                return published;
            var current = state.Telemetry(table.Name);
            var fingerprint = current.SchemaSentHash == table.Shape.Hash ? null : table.Shape.Fingerprint.ToCanonicalJson();

            TelemetryBatchPayload batch;
            if (current is { InflightBatchId: { } inflight, InflightBatchSeq: { } seq, InflightLastRowid: { } last })
            {
                var rows = table.Read(database, current.CursorRowid, int.MaxValue, last);
                batch = rows.Count == 0
                    ? new TelemetryBatchPayload(inflight, seq, [], 0, last, 0, table.Shape.Hash, false, null, null)
                    : TelemetryBatchBuilder.Build(table, rows, inflight, seq, fingerprint, takeAll: true, onSkipped: LogSkipped(table));
                if (batch.RowCount == 0)
                {
                    // The rows are gone (deleted by the application) or none can be sent: move past them.
                    state.CompleteTelemetryBatch(table.Name, inflight, seq, last, null, batch.Skipped);
                    continue;
                }
            }
            else
            {
                var rows = table.Read(database, current.CursorRowid, TelemetryBatchBuilder.MaxRows);
                if (rows.Count == 0)
                    return published;
                batch = TelemetryBatchBuilder.Build(table, rows, Guid.CreateVersion7().ToString(), current.LastBatchSeq + 1, fingerprint,
                    onSkipped: LogSkipped(table));
                if (batch.RowCount == 0)
                {
                    state.SkipTelemetryRows(table.Name, batch.LastConsideredRowid, batch.Skipped);
                    continue;
                }
                state.BeginTelemetryBatch(table.Name, batch.BatchId, batch.BatchSeq, batch.LastConsideredRowid);
            }

            var result = await session.PublishAsync(DeviceTopics.TelemetryBatch, batch.Payload, ct);
            switch (PubAck.Judge(result))
            {
                case PubAckVerdict.Accepted:
                    state.CompleteTelemetryBatch(table.Name, batch.BatchId, batch.BatchSeq, batch.LastConsideredRowid,
                        batch.IncludesColumns ? batch.SchemaHash : null, batch.Skipped);
                    published += batch.RowCount;
                    logger.LogDebug("Published telemetry {Table} batch {BatchId} (batch_seq {Seq}): {Rows} rows up to rowid {Rowid}, {Start}..{End}, {Bytes} bytes",
                        table.Name, batch.BatchId, batch.BatchSeq, batch.RowCount, batch.LastConsideredRowid, batch.CursorStartTs, batch.CursorEndTs, batch.Payload.Length);
                    break;
                case PubAckVerdict.Rejected:
                    logger.LogError("The cloud REJECTED telemetry {Table} batch {BatchId} (batch_seq {Seq}, {Rows} rows up to rowid {Rowid}): PUBACK {Code}{Reason}. " +
                                    "These rows are skipped (resending them cannot succeed); the rejection is recorded in the cloud's rejection log",
                        table.Name, batch.BatchId, batch.BatchSeq, batch.RowCount, batch.LastConsideredRowid, result.ReasonCode,
                        result.ReasonString is { Length: > 0 } reason ? $" ({reason})" : "");
                    state.CompleteTelemetryBatch(table.Name, batch.BatchId, batch.BatchSeq, batch.LastConsideredRowid, null, batch.Skipped);
                    break;
                default:
                    logger.LogError("The broker refused telemetry {Table} batch {BatchId}: PUBACK {Code}{Reason}; retrying at the next flush", table.Name, batch.BatchId,
                        result.ReasonCode, result.ReasonString is { Length: > 0 } why ? $" ({why})" : "");
                    return published;
            }
        }
        return published;
    }

    private Action<CursorRow, string> LogSkipped(TelemetryTable table) =>
        (row, why) => logger.LogWarning("Telemetry table {Table}: row {Rowid} is skipped and can never be sent: {Why}", table.Name, row.RowId, why);
}
