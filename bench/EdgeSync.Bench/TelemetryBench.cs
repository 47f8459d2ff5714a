using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeSync.Wire;
using Npgsql;
using NpgsqlTypes;

namespace EdgeSync.Bench;

/// <summary>
/// <c>EdgeSync.Bench telemetry [--rows N] [--devices D] [--batch B]</c>: time-series ingest end to
/// end. D devices (4) each have a telemetry table of 8 columns (the timestamp and 7 fields), whose
/// first batch is approved with every field mirrored; then they publish N rows (1,000,000) in all
/// as telemetry batches of B rows (2,000) at QoS 1, all at once, timed from the first publish until
/// every row is in the time-series tables. The baseline of the same run: a plain binary COPY of the
/// same rows, in batches of the same size, one connection per device, into equal tables
/// (partitioned the same way, same unique index). Target: at least 0.5 × the COPY's rows/s.
/// </summary>
public static class TelemetryBench
{
    private const string Table = "meter_readings";
    private const string TimestampColumn = "taken_at";
    private const double Target = 0.5;
    private static readonly string[] Fields = ["site", "state", "value", "temp", "counter", "flags", "note"];

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    public static async Task<int> RunAsync(string pg, string[] args, CancellationToken ct)
    {
        var total = FleetApprovalBench.IntArg(args, "--rows", 1_000_000);
        var devices = FleetApprovalBench.IntArg(args, "--devices", 16);
        var batchRows = FleetApprovalBench.IntArg(args, "--batch", 2000);
        var perDevice = total / devices;
        await using var bench = await ThrowawayNode.StartAsync(pg, ct);
        var (node, api) = (bench.Node, bench.Api);
        var project = await api.CreateProjectAsync($"ts-{Guid.NewGuid():N}"[..12]);
        var start = DateTimeOffset.UtcNow.AddHours(-2);

        Log($"{devices} devices: first batch, review, approval");
        var clients = new List<DeviceClient>();
        foreach (var i in Enumerable.Range(0, devices))
        {
            var credentials = await api.CreateDeviceAsync(project, $"meter-{i:00}");
            var client = await DeviceClient.ConnectAsync(node.MqttPort, credentials, DeviceTopics.TelemetryBatch);
            clients.Add(client);
            await client.PublishAsync(Payload(0, Rows(i, 0, 10, start), withColumns: true), ct);
        }
        foreach (var review in await api.QueuedReviewsAsync(project))
            await api.ApproveAllMirroredAsync(project, review.Id, Fields, "per_device");
        await FleetApprovalBench.WaitAllWrittenAsync(api, project, devices, ct);
        var tables = new List<string>();
        foreach (var lineage in await api.LineagesAsync(project))
            tables.Add((await api.LineageAsync(project, lineage.Id)).GetProperty("mirror").GetProperty("name").GetString()!);

        Log($"building {total:N0} rows as telemetry batches of {batchRows}");
        var rows = Enumerable.Range(0, devices).Select(d => Rows(d, 10, perDevice, start)).ToList();
        var payloads = rows.Select(r => r.Chunk(batchRows).Select((chunk, b) => Payload(b + 1, chunk, withColumns: false)).ToList()).ToList();
        Log($"payloads: {payloads.Sum(p => p.Count)} batches, {payloads.Sum(p => p.Sum(b => (long)b.Length)) / 1048576.0:0} MiB");

        await using var db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(bench.ConnectionString) { CommandTimeout = 600 }.ConnectionString);
        var expected = await CountAsync(db, tables) + (long)perDevice * devices;
        Log("ingest over MQTT");
        var cpu = CpuMeter.Start(node.Pid);
        var started = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(async (client, d) =>
        {
            foreach (var payload in payloads[d])
                await client.PublishAsync(payload, ct);
        }));
        while (await CountAsync(db, tables) < expected)
            await Task.Delay(100, ct);
        var ingest = started.Elapsed;
        Log(cpu.Stop([]).Describe());
        var ingestRate = perDevice * devices / ingest.TotalSeconds;
        Log($"ingest: {perDevice * devices:N0} rows in {ingest.TotalSeconds:0.0} s = {ingestRate:N0} rows/s");
        foreach (var client in clients)
            await client.DisposeAsync();

        Log("baseline: binary COPY of the same rows into equal tables");
        var copies = await CreateEqualTablesAsync(db, tables, start);
        cpu = CpuMeter.Start(0);
        started.Restart();
        await Task.WhenAll(copies.Select(async (copy, d) =>
        {
            await using var connection = await db.OpenConnectionAsync(ct);
            foreach (var chunk in rows[d].Chunk(batchRows))
                await CopyAsync(connection, copy, chunk, ct);
        }));
        var copyTime = started.Elapsed;
        Log(cpu.Stop([]).Describe());
        var copyRate = perDevice * devices / copyTime.TotalSeconds;
        await using (var drop = db.CreateCommand("DROP SCHEMA bench_ts_copy CASCADE"))
            await drop.ExecuteNonQueryAsync(ct);

        var ratio = ingestRate / copyRate;
        Console.WriteLine($"telemetry ingest of {perDevice * devices:N0} rows × 8 columns ({devices} devices, batches of {batchRows}): "
            + $"{ingest.TotalSeconds:0.0} s = {ingestRate:N0} rows/s end to end; binary COPY of the same rows: {copyTime.TotalSeconds:0.0} s = {copyRate:N0} rows/s; "
            + $"ratio {ratio:0.00}; node RSS {bench.Rss() / 1048576.0:0} MiB");
        var ok = ratio >= Target;
        Console.WriteLine(ok ? $"PASS: at least {Target:0.0} × COPY" : $"FAIL: target {Target:0.0} × COPY");
        return ok ? 0 : 1;
    }

    private sealed record Reading(DateTime Ts, long RowId, string Site, string State, double Value, double Temp, long Counter, long Flags, string Note);

    private static Reading[] Rows(int device, int first, int count, DateTimeOffset start)
    {
        var random = new Random(device * 7919 + first);
        return Enumerable.Range(first, count).Select(i => new Reading(
            start.UtcDateTime.AddMilliseconds(i * 5L), i + 1, $"plant-{device % 8}", i % 17 == 0 ? "alarm" : "running",
            Math.Round(random.NextDouble() * 1000, 3), 20 + i % 10 * 0.5, i, i % 4, "ok")).ToArray();
    }

    private static readonly SchemaFingerprint Schema = new(Table,
    [
        new SchemaColumn("counter", "INTEGER", false, 0),
        new SchemaColumn("flags", "INTEGER", false, 0),
        new SchemaColumn("note", "TEXT", false, 0),
        new SchemaColumn("site", "TEXT", false, 0),
        new SchemaColumn("state", "TEXT", false, 0),
        new SchemaColumn(TimestampColumn, "TEXT", true, 0),
        new SchemaColumn("temp", "REAL", false, 0),
        new SchemaColumn("value", "REAL", false, 0),
    ]);

    private static readonly string SchemaHash = Schema.ComputeHash();

    private static string Time(DateTime ts) => ts.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static byte[] Payload(long batchSeq, IReadOnlyList<Reading> rows, bool withColumns)
    {
        var buffer = new ArrayBufferWriter<byte>(rows.Count * 180 + 1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("format_version", 1);
            json.WriteString("capture_strategy", WireLimits.TelemetryBatchCaptureStrategy);
            json.WriteString("batch_id", Guid.CreateVersion7().ToString());
            json.WriteNumber("batch_seq", batchSeq);
            json.WriteString("source_table", Table);
            json.WriteString("timestamp_column", TimestampColumn);
            json.WriteString("schema_hash", SchemaHash);
            if (withColumns)
            {
                json.WritePropertyName("schema_columns");
                json.WriteRawValue(Schema.ToCanonicalJson());
            }
            json.WriteString("cursor_start_ts", Time(rows.Min(r => r.Ts)));
            json.WriteString("cursor_end_ts", Time(rows.Max(r => r.Ts)));
            json.WriteNumber("row_count", rows.Count);
            json.WriteStartArray("rows");
            foreach (var r in rows)
            {
                json.WriteStartObject();
                json.WriteString("ts", Time(r.Ts));
                json.WriteNumber("row_id", r.RowId);
                json.WriteStartObject("fields");
                json.WriteString("site", r.Site);
                json.WriteString("state", r.State);
                json.WriteNumber("value", r.Value);
                json.WriteNumber("temp", r.Temp);
                json.WriteNumber("counter", r.Counter);
                json.WriteNumber("flags", r.Flags);
                json.WriteString("note", r.Note);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static async Task<long> CountAsync(NpgsqlDataSource db, IReadOnlyList<string> tables)
    {
        await using var command = db.CreateCommand(string.Join(" + ", tables.Select(t => $"(SELECT count(*) FROM edge_mirror.\"{t}\")")).Insert(0, "SELECT "));
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Tables like the node's: the same columns, range-partitioned by ts with the same partitions, and the same unique index.</summary>
    private static async Task<List<string>> CreateEqualTablesAsync(NpgsqlDataSource db, IReadOnlyList<string> tables, DateTimeOffset start)
    {
        var names = new List<string>();
        var statements = new List<string> { "DROP SCHEMA IF EXISTS bench_ts_copy CASCADE", "CREATE SCHEMA bench_ts_copy" };
        var month = new DateTime(start.Year, start.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < tables.Count; i++)
        {
            var name = $"bench_ts_copy.t{i}";
            names.Add(name);
            statements.Add($"CREATE TABLE {name} (LIKE edge_mirror.\"{tables[i]}\" INCLUDING DEFAULTS) PARTITION BY RANGE (ts)");
            statements.Add($"CREATE UNIQUE INDEX ON {name} (_edge_device_id, row_id, ts)");
            statements.Add($"CREATE TABLE {name}_default PARTITION OF {name} DEFAULT");
            for (var m = -1; m <= 1; m++)
                statements.Add($"CREATE TABLE {name}_p{m + 1} PARTITION OF {name} FOR VALUES FROM ('{month.AddMonths(m):yyyy-MM-dd}T00:00:00Z') TO ('{month.AddMonths(m + 1):yyyy-MM-dd}T00:00:00Z')");
        }
        await using var command = db.CreateCommand(string.Join(";\n", statements));
        await command.ExecuteNonQueryAsync();
        return names;
    }

    private static async Task CopyAsync(NpgsqlConnection connection, string table, IReadOnlyList<Reading> rows, CancellationToken ct)
    {
        var device = Guid.CreateVersion7();
        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY {table} (_edge_device_id, ts, row_id, _edge_batch_id, site, state, value, temp, counter, flags, note) FROM STDIN (FORMAT BINARY)", ct);
        var batch = Guid.CreateVersion7();
        foreach (var r in rows)
        {
            await importer.StartRowAsync(ct);
            await importer.WriteAsync(device, NpgsqlDbType.Uuid, ct);
            await importer.WriteAsync(r.Ts, NpgsqlDbType.TimestampTz, ct);
            await importer.WriteAsync(r.RowId, NpgsqlDbType.Bigint, ct);
            await importer.WriteAsync(batch, NpgsqlDbType.Uuid, ct);
            await importer.WriteAsync(r.Site, NpgsqlDbType.Text, ct);
            await importer.WriteAsync(r.State, NpgsqlDbType.Text, ct);
            await importer.WriteAsync(r.Value, NpgsqlDbType.Double, ct);
            await importer.WriteAsync(r.Temp, NpgsqlDbType.Double, ct);
            await importer.WriteAsync(r.Counter, NpgsqlDbType.Bigint, ct);
            await importer.WriteAsync(r.Flags, NpgsqlDbType.Bigint, ct);
            await importer.WriteAsync(r.Note, NpgsqlDbType.Text, ct);
        }
        await importer.CompleteAsync(ct);
    }
}
