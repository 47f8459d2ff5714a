using Npgsql;

namespace EdgeSync.Storage;

/// <summary>
/// The batch ledger (<c>edge_export_segments</c>): one row per (device, batch id) accepted, so
/// that a redelivered batch is recognised and counted instead of being applied again.
/// </summary>
public sealed class BatchLedger(EdgeStoreSettings settings)
{
    private readonly string _table = settings.Table(EdgeTables.ExportSegments);

    /// <summary>Records the batch inside the caller's transaction; false when it was recorded before.</summary>
    public async Task<bool> TryRecordAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid deviceId, Guid batchId, Guid lineageId, string sourceTable, string kind, int rowCount, DateTimeOffset at,
        CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(
            $"""
            INSERT INTO {_table} AS s (device_id, batch_id, lineage_id, source_table, kind, row_count, status, redeliveries, received_at, last_received_at)
            VALUES (@device, @batch, @lineage, @table, @kind, @rows, 'accepted', 0, @at, @at)
            ON CONFLICT (device_id, batch_id) DO UPDATE
                SET redeliveries = s.redeliveries + 1, last_received_at = excluded.last_received_at
            RETURNING s.redeliveries = 0
            """, connection, transaction);
        command.Parameters.AddWithValue("device", deviceId);
        command.Parameters.AddWithValue("batch", batchId);
        command.Parameters.AddWithValue("lineage", lineageId);
        command.Parameters.AddWithValue("table", sourceTable);
        command.Parameters.AddWithValue("kind", kind);
        command.Parameters.AddWithValue("rows", rowCount);
        command.Parameters.AddWithValue("at", at);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Whether the device's batch is in the ledger (a redelivery of an accepted batch).</summary>
    public async Task<bool> ContainsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid deviceId, Guid batchId, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT EXISTS (SELECT 1 FROM {_table} WHERE device_id = @device AND batch_id = @batch)", connection, transaction);
        command.Parameters.AddWithValue("device", deviceId);
        command.Parameters.AddWithValue("batch", batchId);
        return (bool)(await command.ExecuteScalarAsync(ct))!;
    }
}
