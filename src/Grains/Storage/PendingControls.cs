using Npgsql;

namespace EdgeSync.Storage;

/// <summary>A downlink control waiting for its acknowledgement, with the message the device gets.</summary>
public sealed record PendingControl(
    Guid ControlId, Guid LineageId, Guid DeviceId, string SourceTable, string ControlKind, string PayloadJson,
    DateTimeOffset CreatedAt, DateTimeOffset? LastSentAt, int SendCount, DateTimeOffset? ExpiresAt = null)
{
    /// <summary>The control kind of an upload grant: it neither supersedes pause/resume controls nor is superseded by them.</summary>
    public const string UrlGrantKind = "url_grant";
}

/// <summary>
/// <c>edge_pending_controls</c>: every control is recorded here before it is published and stays
/// until the device acknowledges it or a newer control for the same table supersedes it.
/// </summary>
public sealed class PendingControls(EdgeStoreSettings settings, NpgsqlDataSource dataSource)
{
    private readonly string _table = settings.Table(EdgeTables.PendingControls);

    /// <summary>
    /// Records a control inside the lineage's transaction and supersedes the older open ones of that
    /// table; upload grants stand apart: each is answered on its own, until acknowledged or expired.
    /// </summary>
    public async Task RecordAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PendingControl control, CancellationToken ct = default)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        var supersede = new NpgsqlBatchCommand(
            $"UPDATE {_table} SET superseded_at = @at WHERE lineage_id = @lineage AND acknowledged_at IS NULL AND superseded_at IS NULL AND control_kind <> @grant AND @kind <> @grant");
        supersede.Parameters.AddWithValue("at", control.CreatedAt);
        supersede.Parameters.AddWithValue("lineage", control.LineageId);
        supersede.Parameters.AddWithValue("grant", PendingControl.UrlGrantKind);
        supersede.Parameters.AddWithValue("kind", control.ControlKind);
        var insert = new NpgsqlBatchCommand(
            $"""
            INSERT INTO {_table} (control_id, lineage_id, device_id, source_table, control_kind, payload, created_at, expires_at)
            VALUES (@id, @lineage, @device, @table, @kind, @payload::jsonb, @at, @expires)
            ON CONFLICT (control_id) DO NOTHING
            """);
        insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("expires", control.ExpiresAt) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        insert.Parameters.AddWithValue("id", control.ControlId);
        insert.Parameters.AddWithValue("lineage", control.LineageId);
        insert.Parameters.AddWithValue("device", control.DeviceId);
        insert.Parameters.AddWithValue("table", control.SourceTable);
        insert.Parameters.AddWithValue("kind", control.ControlKind);
        insert.Parameters.AddWithValue("payload", control.PayloadJson);
        insert.Parameters.AddWithValue("at", control.CreatedAt);
        batch.BatchCommands.Add(supersede);
        batch.BatchCommands.Add(insert);
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The open control a device acknowledges, or null when it is unknown, acknowledged before or superseded.</summary>
    public async Task<PendingControl?> FindOpenAsync(Guid deviceId, Guid controlId, CancellationToken ct = default)
    {
        var found = await QueryAsync("device_id = @device AND control_id = @control", ct,
            ("device", deviceId), ("control", controlId));
        return found.SingleOrDefault();
    }

    public async Task MarkAcknowledgedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid controlId, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand($"UPDATE {_table} SET acknowledged_at = @at WHERE control_id = @id AND acknowledged_at IS NULL", connection, transaction);
        command.Parameters.AddWithValue("at", at);
        command.Parameters.AddWithValue("id", controlId);
        await command.ExecuteNonQueryAsync(ct);
    }

    public Task<IReadOnlyList<PendingControl>> ListOpenAsync(Guid lineageId, CancellationToken ct = default) =>
        QueryAsync("lineage_id = @lineage", ct, ("lineage", lineageId));

    /// <summary>Open controls of these devices that were never sent or not for <paramref name="resendAfter"/>.</summary>
    public Task<IReadOnlyList<PendingControl>> DueAsync(IReadOnlyCollection<Guid> deviceIds, DateTimeOffset now, TimeSpan resendAfter, CancellationToken ct = default) =>
        QueryAsync("device_id = ANY(@devices) AND (last_sent_at IS NULL OR last_sent_at < @before)", ct,
            ("devices", deviceIds.ToArray()), ("before", now - resendAfter));

    /// <summary>
    /// For a broker that queues controls for offline devices: open controls never sent, and those
    /// not sent for <paramref name="resendAfter"/> to a device heard from since their last send
    /// (<paramref name="seen"/>: device → when), which is online and yet has not acknowledged them.
    /// </summary>
    public Task<IReadOnlyList<PendingControl>> DueThroughBrokerAsync(
        IReadOnlyDictionary<Guid, DateTimeOffset> seen, DateTimeOffset now, TimeSpan resendAfter, CancellationToken ct = default) =>
        QueryAsync(
            """
            (last_sent_at IS NULL
             OR (last_sent_at < @before
                 AND EXISTS (SELECT 1 FROM unnest(@seen_devices, @seen_at) AS s(device_id, at)
                             WHERE s.device_id = pending.device_id AND s.at > pending.last_sent_at)))
            """, ct,
            ("seen_devices", seen.Keys.ToArray()), ("seen_at", seen.Values.ToArray()), ("before", now - resendAfter));

    public Task<IReadOnlyList<PendingControl>> OpenForDeviceAsync(Guid deviceId, CancellationToken ct = default) =>
        QueryAsync("device_id = @device", ct, ("device", deviceId));

    public async Task MarkSentAsync(IReadOnlyCollection<Guid> controlIds, DateTimeOffset at, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"UPDATE {_table} SET last_sent_at = @at, send_count = send_count + 1 WHERE control_id = ANY(@ids)");
        command.Parameters.AddWithValue("at", at);
        command.Parameters.AddWithValue("ids", controlIds.ToArray());
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task DeleteForLineageAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid lineageId, CancellationToken ct = default)
    {
        await using var command = new NpgsqlCommand($"DELETE FROM {_table} WHERE lineage_id = @lineage", connection, transaction);
        command.Parameters.AddWithValue("lineage", lineageId);
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<IReadOnlyList<PendingControl>> QueryAsync(string where, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT control_id, lineage_id, device_id, source_table, control_kind, payload::text, created_at, last_sent_at, send_count, expires_at
            FROM {_table} AS pending
            WHERE acknowledged_at IS NULL AND superseded_at IS NULL AND (expires_at IS NULL OR expires_at > now()) AND {where}
            ORDER BY created_at
            """);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        var controls = new List<PendingControl>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            controls.Add(new PendingControl(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4),
                reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6),
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7), reader.GetInt32(8),
                reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9)));
        return controls;
    }
}
