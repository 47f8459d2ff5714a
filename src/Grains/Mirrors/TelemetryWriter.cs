using System.Text.Json;
using EdgeSync.Storage;
using EdgeSync.Wire;
using Npgsql;
using NpgsqlTypes;

namespace EdgeSync.Mirrors;

/// <summary>
/// Writes the values of <c>map</c> bindings to <c>edge_telemetry_points</c>, one multi-row
/// statement per call, inside the caller's transaction. The table's key (lineage, data point,
/// journal epoch, commit seq) with <c>ON CONFLICT DO NOTHING</c> makes re-applying harmless.
/// <para>
/// One point per insert/update change and map binding whose source column is a property of the
/// row — also when its value is null (then both value columns are NULL). JSON numbers go to
/// <c>value_numeric</c> (a number beyond double's range goes to <c>value_text</c> as its JSON
/// text), strings (and BLOBs, which are base64 strings on the wire) to <c>value_text</c>.
/// Deletes write nothing.
/// </para>
/// <para>
/// <c>ts</c>: the binding's <see cref="ColumnBinding.TimestampColumn"/> value — an RFC 3339
/// string, SQLite's own <c>YYYY-MM-DD HH:MM:SS[.fff]</c> (read as UTC, as SQLite's date
/// functions write it), a JSON integer (Unix seconds) or a number with a fraction (Unix seconds
/// with fraction); when the binding has no timestamp column, or the row lacks it or holds null:
/// <c>receivedAt</c>. A timestamp value that cannot be read is a permanent
/// <see cref="MirrorWriteException"/> (<see cref="MirrorWriteException.ValueInvalid"/>).
/// </para>
/// </summary>
public sealed class TelemetryWriter(EdgeStoreSettings settings)
{
    private readonly string _table = PgIdentifier.Qualified(settings.Schema, EdgeTables.TelemetryPoints);

    /// <returns>The number of points written (points already present are not counted).</returns>
    public async Task<int> ApplyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction,
        Guid projectId, Guid deviceId, Guid lineageId, IReadOnlyList<ColumnBinding> mapBindings,
        IReadOnlyList<MirrorRowChange> changes, DateTimeOffset receivedAt, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(mapBindings);
        ArgumentNullException.ThrowIfNull(changes);
        foreach (var binding in mapBindings)
            if (binding.DataPoint is null)
                throw new ArgumentException($"binding of '{binding.SourceColumn}' has no data point", nameof(mapBindings));
        if (mapBindings.Count == 0 || changes.Count == 0)
            return 0;

        var points = new List<string>();
        var timestamps = new List<DateTime>();
        var numerics = new List<double?>();
        var texts = new List<string?>();
        var epochs = new List<Guid>();
        var seqs = new List<long>();
        foreach (var change in changes)
        {
            if (change.Op == RowOperation.Delete || change.RowJson is null)
                continue;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(change.RowJson);
            }
            catch (JsonException e)
            {
                throw new MirrorWriteException(MirrorWriteException.ChangeInvalid, true, $"telemetry, commit_seq {change.CommitSeq}: row is not valid JSON ({e.Message})");
            }
            using (document)
            {
                var row = document.RootElement;
                if (row.ValueKind != JsonValueKind.Object)
                    throw new MirrorWriteException(MirrorWriteException.ChangeInvalid, true, $"telemetry, commit_seq {change.CommitSeq}: row is not a JSON object");
                foreach (var binding in mapBindings)
                {
                    if (!row.TryGetProperty(binding.SourceColumn, out var value))
                        continue;
                    points.Add(binding.DataPoint!);
                    timestamps.Add(Timestamp(row, binding, change, receivedAt).UtcDateTime);
                    switch (value.ValueKind)
                    {
                        case JsonValueKind.Null:
                            numerics.Add(null);
                            texts.Add(null);
                            break;
                        case JsonValueKind.Number when value.TryGetDouble(out var number) && double.IsFinite(number):
                            numerics.Add(number);
                            texts.Add(null);
                            break;
                        case JsonValueKind.String:
                            numerics.Add(null);
                            texts.Add(value.GetString());
                            break;
                        default:
                            numerics.Add(null);
                            texts.Add(value.GetRawText());
                            break;
                    }
                    epochs.Add(change.JournalEpoch);
                    seqs.Add(change.CommitSeq);
                }
            }
        }
        if (points.Count == 0)
            return 0;

        try
        {
            await using var command = new NpgsqlCommand(
                $"""
                INSERT INTO {_table} (lineage_id, data_point, journal_epoch, commit_seq, project_id, device_id, ts, value_numeric, value_text)
                SELECT @lineage, p.point, p.epoch, p.seq, @project, @device, p.ts, p.num, p.txt
                FROM unnest(@points, @epochs, @seqs, @ts, @num, @txt) AS p(point, epoch, seq, ts, num, txt)
                ON CONFLICT DO NOTHING
                """, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter("lineage", NpgsqlDbType.Uuid) { Value = lineageId });
            command.Parameters.Add(new NpgsqlParameter("project", NpgsqlDbType.Uuid) { Value = projectId });
            command.Parameters.Add(new NpgsqlParameter("device", NpgsqlDbType.Uuid) { Value = deviceId });
            command.Parameters.Add(new NpgsqlParameter("points", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = points.ToArray() });
            command.Parameters.Add(new NpgsqlParameter("epochs", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = epochs.ToArray() });
            command.Parameters.Add(new NpgsqlParameter("seqs", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = seqs.ToArray() });
            command.Parameters.Add(new NpgsqlParameter("ts", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = timestamps.ToArray() });
            command.Parameters.Add(new NpgsqlParameter("num", NpgsqlDbType.Array | NpgsqlDbType.Double) { Value = numerics.ToArray() });
            command.Parameters.Add(new NpgsqlParameter("txt", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = texts.ToArray() });
            return await command.ExecuteNonQueryAsync(ct);
        }
        catch (Exception e) when (MirrorWriteException.Wrap(e, "writing telemetry points") is { } wrapped)
        {
            throw wrapped;
        }
    }

    private static DateTimeOffset Timestamp(JsonElement row, ColumnBinding binding, MirrorRowChange change, DateTimeOffset receivedAt)
    {
        if (binding.TimestampColumn is null || !row.TryGetProperty(binding.TimestampColumn, out var value) || value.ValueKind == JsonValueKind.Null)
            return receivedAt;
        if (TelemetryTimestamp.TryRead(value, out var ts))
            return ts;
        var raw = value.GetRawText();
        throw new MirrorWriteException(MirrorWriteException.ValueInvalid, true,
            $"telemetry data point '{binding.DataPoint}', timestamp column '{binding.TimestampColumn}', commit_seq {change.CommitSeq}: "
            + $"{(raw.Length <= 40 ? raw : raw[..40] + "…")} is not an RFC 3339 time, 'YYYY-MM-DD HH:MM:SS' or Unix seconds");
    }
}
