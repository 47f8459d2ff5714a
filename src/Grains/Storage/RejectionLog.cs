using EdgeSync.Escaping;
using Npgsql;

namespace EdgeSync.Storage;

public sealed record RejectionRecord(
    long Id, Guid ProjectId, Guid DeviceId, string Topic, string? SourceTable, string? BatchId,
    string Code, string Detail, int PayloadBytes, DateTimeOffset ReceivedAt);

public sealed record RejectionFilter(Guid ProjectId, Guid? DeviceId, string? Code);

/// <summary>Every refused device message, so that a rejection is never a silent drop.</summary>
public sealed class RejectionLog(EdgeStoreSettings settings, NpgsqlDataSource dataSource)
{
    /// <summary>Longest source_table, batch_id and topic kept in a record, in UTF-16 units after escaping.</summary>
    public const int MaxFieldChars = 255;

    /// <summary>Longest detail kept in a record.</summary>
    public const int MaxDetailChars = 2000;

    private readonly string _table = settings.Table(EdgeTables.Rejections);

    /// <summary>
    /// Records a rejection. Its text fields come from the refused payload, so they are escaped and
    /// cut (<see cref="SafeText.EscapeAndCut"/>) first: a record must never fail on the very bytes
    /// it records (U+0000, unpaired surrogates) nor carry terminal escapes to an operator.
    /// </summary>
    public async Task RecordAsync(RejectionRecord rejection, CancellationToken ct = default)
    {
        rejection = Storable(rejection);
        await using var command = dataSource.CreateCommand(
            $"""
            INSERT INTO {_table} (project_id, device_id, topic, source_table, batch_id, code, detail, payload_bytes, received_at)
            VALUES (@project, @device, @topic, @table, @batch, @code, @detail, @bytes, @at)
            """);
        command.Parameters.AddWithValue("project", rejection.ProjectId);
        command.Parameters.AddWithValue("device", rejection.DeviceId);
        command.Parameters.AddWithValue("topic", rejection.Topic);
        command.Parameters.AddWithValue("table", (object?)rejection.SourceTable ?? DBNull.Value);
        command.Parameters.AddWithValue("batch", (object?)rejection.BatchId ?? DBNull.Value);
        command.Parameters.AddWithValue("code", rejection.Code);
        command.Parameters.AddWithValue("detail", rejection.Detail);
        command.Parameters.AddWithValue("bytes", rejection.PayloadBytes);
        command.Parameters.AddWithValue("at", rejection.ReceivedAt);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<(IReadOnlyList<RejectionRecord> Items, long Total)> PageAsync(RejectionFilter filter, int page, int limit, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT id, project_id, device_id, topic, source_table, batch_id, code, detail, payload_bytes, received_at, count(*) OVER ()
            FROM {_table}
            WHERE project_id = @project
              AND (@device::uuid IS NULL OR device_id = @device)
              AND (@code::text IS NULL OR code = @code)
            ORDER BY received_at DESC, id DESC
            OFFSET @offset LIMIT @limit
            """);
        command.Parameters.AddWithValue("project", filter.ProjectId);
        command.Parameters.Add(new NpgsqlParameter<Guid?>("device", filter.DeviceId) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter<string?>("code", filter.Code) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.AddWithValue("offset", (long)(page - 1) * limit);
        command.Parameters.AddWithValue("limit", limit);
        var items = new List<RejectionRecord>();
        long total = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            items.Add(new RejectionRecord(reader.GetInt64(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetString(6), reader.GetString(7), reader.GetInt32(8), reader.GetFieldValue<DateTimeOffset>(9)));
            total = reader.GetInt64(10);
        }
        return (items, total);
    }

    /// <summary>The record as <see cref="RecordAsync"/> stores it.</summary>
    public static RejectionRecord Storable(RejectionRecord rejection) => rejection with
    {
        Topic = SafeText.EscapeAndCut(rejection.Topic, MaxFieldChars),
        SourceTable = rejection.SourceTable is { } table ? SafeText.EscapeAndCut(table, MaxFieldChars) : null,
        BatchId = rejection.BatchId is { } batch ? SafeText.EscapeAndCut(batch, MaxFieldChars) : null,
        Code = SafeText.EscapeAndCut(rejection.Code, MaxFieldChars),
        Detail = SafeText.EscapeAndCut(rejection.Detail, MaxDetailChars),
    };
}
