using EdgeSync.Agent.Capture;
using EdgeSync.Agent.Connection;
using EdgeSync.Agent.State;
using EdgeSync.Agent.Uploads;
using EdgeSync.Wire;
using Microsoft.Extensions.Logging;

namespace EdgeSync.Agent.Publish;

/// <summary>
/// Publishes one table's journal rows after its <c>last_published_commit_seq</c>, batch after
/// batch, oldest first, until it is caught up, paused, or a publish fails. Each batch is recorded
/// as in flight before it is sent, so that a retry (after a lost connection or a restart) sends
/// the same rows with the same <c>batch_id</c>; <c>last_published_commit_seq</c> advances only
/// after the PUBACK.
/// A row change whose batch alone would exceed 512 KiB goes as a <c>payload_spill</c> upload instead;
/// the table's later rows wait until its finalize is acknowledged.
/// </summary>
public sealed class TablePublisher(JournalStore journal, StateStore state, BrokerSession session, ILogger logger, UploadCoordinator uploads)
{
    /// <summary>Publishes what is pending for <paramref name="table"/>; returns the number of rows published.</summary>
    /// <exception cref="MQTTnet.Exceptions.MqttCommunicationException">The connection failed; the batch stays in flight.</exception>
    public async Task<int> PublishAsync(string table, CancellationToken ct)
    {
        var published = 0;
        while (!ct.IsCancellationRequested && session.IsConnected)
        {
            var current = state.Get(table);
            if (current.Paused || uploads.Holds(table))
                return published;

            RowBatchPayload? batch;
            if (current.InflightBatchId is { } inflight)
            {
                var rows = journal.Read(table, current.InflightFirst!.Value - 1, int.MaxValue, current.InflightLast!.Value);
                batch = rows.Count == 0 ? null : Build(table, current, rows, inflight, takeAll: true);
                if (batch is null || batch.LastConsideredSeq != current.InflightLast)
                {
                    // The rows are gone (journal rebuilt or pruned by hand): start over with a new batch.
                    state.CompleteBatch(table, inflight, current.LastPublishedCommitSeq, null);
                    continue;
                }
            }
            else
            {
                var rows = journal.Read(table, current.LastPublishedCommitSeq, RowBatchBuilder.MaxRows);
                if (rows.Count == 0)
                    return published;
                batch = Build(table, current, rows, null, takeAll: false);
                if (batch is null)
                    return published;
                if (batch.RowCount == 1 && batch.Payload.Length > RowBatchBuilder.MaxBytes)
                {
                    StartSpill(table, current, rows.Single(r => r.CommitSeq == batch.FirstCommitSeq), batch);
                    return published;
                }
                state.BeginBatch(table, batch.BatchId, rows[0].CommitSeq, batch.LastConsideredSeq);
            }

            if (batch.RowCount == 0)
            {
                // Only rows that cannot be encoded: skip past them (already logged).
                state.CompleteBatch(table, batch.BatchId, batch.LastConsideredSeq, null);
                continue;
            }

            var result = await session.PublishAsync(DeviceTopics.RowBatch, batch.Payload, ct);
            switch (PubAck.Judge(result))
            {
                case PubAckVerdict.Accepted:
                    state.CompleteBatch(table, batch.BatchId, batch.LastConsideredSeq, batch.SchemaHash);
                    published += batch.RowCount;
                    logger.LogDebug("Published {Table} batch {BatchId}: commit_seq {First}..{Last}, {Rows} rows, {Bytes} bytes{Columns}", table, batch.BatchId,
                        batch.FirstCommitSeq, batch.LastCommitSeq, batch.RowCount, batch.Payload.Length, batch.IncludesColumns ? ", with schema_columns" : "");
                    break;
                case PubAckVerdict.Rejected:
                    logger.LogError("The cloud REJECTED {Table} batch {BatchId} (commit_seq {First}..{Last}, {Rows} rows, {Bytes} bytes): PUBACK {Code}{Reason}. " +
                                    "These rows are skipped (resending them cannot succeed); the rejection is recorded in the cloud's rejection log",
                        table, batch.BatchId, batch.FirstCommitSeq, batch.LastCommitSeq, batch.RowCount, batch.Payload.Length, result.ReasonCode,
                        result.ReasonString is { Length: > 0 } reason ? $" ({reason})" : "");
                    state.CompleteBatch(table, batch.BatchId, batch.LastConsideredSeq, null);
                    break;
                default:
                    logger.LogError("The broker refused {Table} batch {BatchId}: PUBACK {Code}{Reason}; retrying at the next flush", table, batch.BatchId,
                        result.ReasonCode, result.ReasonString is { Length: > 0 } why ? $" ({why})" : "");
                    return published;
            }
        }
        return published;
    }

    /// <summary>The row is too large for any batch: it goes as a <c>payload_spill</c> upload, with the batch's id.</summary>
    private void StartSpill(string table, TableState current, JournalRow row, RowBatchPayload batch)
    {
        var file = uploads.NewFile();
        var fingerprint = batch.IncludesColumns ? journal.FingerprintOf(batch.SchemaHash) : null;
        var bytes = SpillWriter.Write(file, batch.BatchId, current.JournalEpoch, table, batch.SchemaHash, fingerprint, [row]);
        state.StartUpload(new UploadState(table, UploadState.PayloadSpill, UploadStep.Request, file, current.JournalEpoch, batch.LastConsideredSeq, batch.SchemaHash,
            fingerprint is not null, 1, batch.BatchId));
        logger.LogInformation("Journal row {Seq} of {Table} is {Bytes} bytes encoded, over the {Limit}-byte batch limit: sending it as a payload_spill upload " +
                              "(batch {BatchId}, {Compressed} bytes zstd); the table's later rows wait for its finalize",
            row.CommitSeq, table, batch.Payload.Length, RowBatchBuilder.MaxBytes, batch.BatchId, bytes);
    }

    private RowBatchPayload? Build(string table, TableState current, IReadOnlyList<JournalRow> rows, string? batchId, bool takeAll) =>
        RowBatchBuilder.Build(table, current.JournalEpoch, rows, journal.FingerprintOf, current.SchemaSentHash, batchId, takeAll,
            (row, e) => logger.LogError("Journal row {Seq} of {Table} cannot be encoded ({Error}); skipped", row.CommitSeq, table, e.Message));
}
