using System.Diagnostics;
using System.Globalization;
using System.Text;
using EdgeSync.Wire;
using Npgsql;
using NpgsqlTypes;
using ZstdSharp;

namespace EdgeSync.Bench;

/// <summary>
/// <c>EdgeSync.Bench bootstrap [--rows N]</c>: a table of N rows (1,000,000 by default) × 8 columns
/// brought to an approved mirror by one bootstrap snapshot — url_request, PUT, finalize, until
/// every row is visible — against a plain binary COPY of the same rows into a table of the same
/// database, in the same run. Reports both rates and their ratio (target ≥ 0.5).
/// </summary>
public static class BootstrapBench
{
    private const string Table = "machines";

    private static readonly SchemaFingerprint Schema = new(Table,
    [
        new SchemaColumn("id", "INTEGER", true, 1),
        new SchemaColumn("serial", "TEXT", false, 0),
        new SchemaColumn("site", "TEXT", false, 0),
        new SchemaColumn("model", "TEXT", false, 0),
        new SchemaColumn("rpm", "INTEGER", false, 0),
        new SchemaColumn("temperature", "REAL", false, 0),
        new SchemaColumn("hours", "INTEGER", false, 0),
        new SchemaColumn("note", "TEXT", false, 0),
    ]);

    private static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");

    public static async Task<int> RunAsync(string pg, string[] args, CancellationToken ct)
    {
        var rows = args is ["--rows", var n] ? int.Parse(n, CultureInfo.InvariantCulture) : 1_000_000;
        await using var bench = await ThrowawayNode.StartAsync(pg, ct);
        var project = await bench.Api.CreateProjectAsync($"bs-{Guid.NewGuid():N}"[..12]);
        var credentials = await bench.Api.CreateDeviceAsync(project, "gw-bootstrap");
        await using var device = await UploadDevice.ConnectAsync(bench.Node.MqttPort, credentials);
        var epoch = Guid.CreateVersion7();
        var hash = Schema.ComputeHash();

        // An approved mirror: one batch of row 0 queues the review, which is approved.
        await device.PublishAsync(DeviceTopics.RowBatch, $$"""
            {"format_version":1,"capture_strategy":"sqlite_row_batch_v1","batch_id":"{{Guid.CreateVersion7()}}","journal_epoch":"{{epoch}}",
             "source_table":"{{Table}}","schema_hash":"{{hash}}","schema_columns":{{Schema.ToCanonicalJson()}},"first_commit_seq":1,"last_commit_seq":1,
             "rows":[{"commit_seq":1,"op":"insert","pk":{"id":0},"row":{{Row(0)}}}]}
            """, ct);
        var review = (await bench.Api.QueuedReviewsAsync(project)).Single();
        await bench.Api.ApproveAllMirroredAsync(project, review.Id, Schema.Columns.Select(c => c.Name), "per_device");

        Log($"generating the snapshot of {rows:N0} rows");
        var snapshot = Snapshot(rows, epoch, hash);
        Log($"snapshot object: {snapshot.Length / 1048576.0:0.0} MiB compressed");

        var started = Stopwatch.GetTimestamp();
        await device.PublishAsync(DeviceTopics.SchemaObserve, $$"""
            {"format_version":1,"source_table":"{{Table}}","schema_hash":"{{hash}}","schema_columns":{{Schema.ToCanonicalJson()}},"observed_at":"{{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}}"}
            """, ct);
        var (uploadId, url) = await device.RequestUploadAsync(Table, "bootstrap_snapshot", ct);
        using (var http = new HttpClient { Timeout = TimeSpan.FromMinutes(30) })
        using (var put = await http.PutAsync(url, new ByteArrayContent(snapshot), ct))
            if (!put.IsSuccessStatusCode)
                throw new InvalidOperationException($"PUT {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync(ct)}");
        var uploaded = Stopwatch.GetElapsedTime(started);
        await device.FinalizeAsync(Table, "bootstrap_snapshot", uploadId, Guid.CreateVersion7(), ct);
        var finalized = Stopwatch.GetElapsedTime(started);
        while (true)
        {
            var lineage = await bench.Api.LineageAsync(project, review.LineageId);
            if (lineage.GetProperty("pending_snapshots").GetArrayLength() == 0)
                break;
            await Task.Delay(200, ct);
        }
        var applied = Stopwatch.GetElapsedTime(started);

        var database = new NpgsqlConnectionStringBuilder(pg) { Database = bench.Database }.ConnectionString;
        long visible;
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync(ct);
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM edge_mirror.\"{await MirrorTableAsync(bench, project, review.LineageId)}\"", connection);
            visible = (long)(await count.ExecuteScalarAsync(ct))!;
        }
        var copy = await CopyAsync(database, rows, ct);

        var uploadRate = rows / applied.TotalSeconds;
        var copyRate = rows / copy.TotalSeconds;
        Console.WriteLine($"bootstrap snapshot of {rows:N0} rows × 8 columns: PUT done at {uploaded.TotalSeconds:0.0} s, finalize acknowledged at {finalized.TotalSeconds:0.0} s, "
            + $"all rows visible at {applied.TotalSeconds:0.0} s ({uploadRate:N0} rows/s); mirror rows: {visible:N0} (the snapshot's and row 0 of the first batch)");
        Console.WriteLine($"binary COPY of the same rows into a plain table: {copy.TotalSeconds:0.0} s ({copyRate:N0} rows/s)");
        var ratio = uploadRate / copyRate;
        Console.WriteLine($"ratio snapshot / COPY: {ratio:0.00} (target ≥ 0.5) — {(ratio >= 0.5 && visible == rows + 1 ? "PASS" : "FAIL")}");
        return ratio >= 0.5 && visible == rows + 1 ? 0 : 1;
    }

    private static async Task<string> MirrorTableAsync(ThrowawayNode bench, Guid project, Guid lineage) =>
        (await bench.Api.LineageAsync(project, lineage)).GetProperty("mirror").GetProperty("name").GetString()!;

    private static string Row(long i) =>
        $$"""{"id":{{i}},"serial":"SN-{{i:D9}}","site":"site-{{i % 97}}","model":"model-{{i % 13}}","rpm":{{1000 + i % 5000}},"temperature":{{(20 + i % 600 / 10.0).ToString(CultureInfo.InvariantCulture)}},"hours":{{i * 3}},"note":"machine number {{i}} of the fleet"}""";

    private static byte[] Snapshot(int rows, Guid epoch, string hash)
    {
        using var output = new MemoryStream();
        using (var zstd = new CompressionStream(output, level: 3))
        {
            void Line(string text)
            {
                zstd.Write(Encoding.UTF8.GetBytes(text));
                zstd.WriteByte((byte)'\n');
            }
            Line($$"""{"snapshot_of":"{{Table}}","journal_epoch":"{{epoch}}","commit_seq":1,"schema_hash":"{{hash}}","row_count":{{rows}}}""");
            for (long i = 1; i <= rows; i++)
                Line($$"""{"pk":{"id":{{i}}},"row":{{Row(i)}}}""");
        }
        return output.ToArray();
    }

    /// <summary>The same rows, binary COPY into a plain table with the same 8 columns.</summary>
    private static async Task<TimeSpan> CopyAsync(string database, int rows, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(ct);
        await using (var create = new NpgsqlCommand(
            "CREATE TABLE bench_copy (id bigint PRIMARY KEY, serial text, site text, model text, rpm bigint, temperature double precision, hours bigint, note text)", connection))
            await create.ExecuteNonQueryAsync(ct);
        var started = Stopwatch.GetTimestamp();
        await using (var writer = await connection.BeginBinaryImportAsync("COPY bench_copy FROM STDIN (FORMAT BINARY)", ct))
        {
            for (long i = 1; i <= rows; i++)
            {
                await writer.StartRowAsync(ct);
                await writer.WriteAsync(i, NpgsqlDbType.Bigint, ct);
                await writer.WriteAsync($"SN-{i:D9}", NpgsqlDbType.Text, ct);
                await writer.WriteAsync($"site-{i % 97}", NpgsqlDbType.Text, ct);
                await writer.WriteAsync($"model-{i % 13}", NpgsqlDbType.Text, ct);
                await writer.WriteAsync(1000 + i % 5000, NpgsqlDbType.Bigint, ct);
                await writer.WriteAsync(20 + i % 600 / 10.0, NpgsqlDbType.Double, ct);
                await writer.WriteAsync(i * 3, NpgsqlDbType.Bigint, ct);
                await writer.WriteAsync($"machine number {i} of the fleet", NpgsqlDbType.Text, ct);
            }
            await writer.CompleteAsync(ct);
        }
        return Stopwatch.GetElapsedTime(started);
    }
}
