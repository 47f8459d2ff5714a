using System.Text.Json;
using EdgeSync.Wire;

namespace EdgeSync.Bench;

/// <summary>One row version as a device captured it: 8 columns, <c>id</c> is the primary key.</summary>
public sealed record Row(long Seq, string Op, long Id, string Site, string State, double Value, double Temp, long Counter, long Flags, byte[]? Raw);

/// <summary>
/// The data of one (device, table): a first batch (index 0, inserts, sent with
/// <c>schema_columns</c>, staged until approval), live warm-up batches, and the measured batches. Deterministic for a seed, so that the
/// COPY baseline regenerates exactly the rows the devices published.
/// <para>
/// A measured batch is mostly inserts of new ids; <c>--update-pct</c> of its rows update a row
/// inserted earlier in the same batch (a row created and changed within one flush window).
/// Updates stay inside the batch so that the COPY baseline can write the same final rows
/// straight into a table with the same primary key.
/// </para>
/// </summary>
public sealed class TableStream
{
    public static readonly (string Name, string Affinity)[] Columns =
    [
        ("id", SqliteAffinity.Integer), ("site", SqliteAffinity.Text), ("state", SqliteAffinity.Text), ("value", SqliteAffinity.Real),
        ("temp", SqliteAffinity.Real), ("counter", SqliteAffinity.Integer), ("flags", SqliteAffinity.Integer), ("raw", SqliteAffinity.Blob),
    ];

    private static readonly string[] TableNames = ["sensor_readings", "machine_state", "production_counts", "alarm_log"];
    private static readonly string[] States = ["idle", "running", "stopped", "fault", "maintenance", "setup"];
    private static readonly string[] Sites = Enumerable.Range(0, 64).Select(i => $"plant-{i / 8}/line-{i % 8}").ToArray();

    public int DeviceIndex { get; }
    public int TableIndex { get; }
    public string Table { get; }
    public Guid Epoch { get; } = Guid.CreateVersion7();
    public SchemaFingerprint Schema { get; }
    public string SchemaHash { get; }

    /// <summary>Filled in after the warm-up: the device's id and the mirror table the node made.</summary>
    public Guid DeviceId { get; set; }
    public string? MirrorSchema { get; set; }
    public string? MirrorTable { get; set; }

    // What the mirror must hold once every batch is in.
    public long ExpectedRows { get; private set; }
    public long ExpectedSeqSum { get; private set; }
    public long LastId { get; private set; }
    public long LastSeq { get; private set; }

    public TableStream(int deviceIndex, int tableIndex)
    {
        DeviceIndex = deviceIndex;
        TableIndex = tableIndex;
        Table = tableIndex < TableNames.Length ? TableNames[tableIndex] : $"{TableNames[tableIndex % TableNames.Length]}_{tableIndex / TableNames.Length}";
        Schema = new SchemaFingerprint(Table, Columns.Select(c => new SchemaColumn(c.Name, c.Affinity, c.Name == "id", c.Name == "id" ? 1 : 0)).ToList());
        SchemaHash = Schema.ComputeHash();
    }

    /// <summary>Batch 0 (staged, replayed), the live warm-up batches, then the measured batches; sets the expectations.</summary>
    public List<Row[]> Generate(BenchOptions o)
    {
        var random = new Random(unchecked(o.Seed * 1_000_003 + DeviceIndex * 1_009 + TableIndex));
        var last = o.FirstMeasuredBatch + o.Batches - 1;
        var result = new List<Row[]>(last + 1);
        long seq = 0, nextId = 1;
        var finalSeq = new Dictionary<long, long>();
        for (var b = 0; b <= last; b++)
        {
            var count = b == 0 ? o.WarmupRows : o.Rows;
            var rows = new Row[count];
            var firstIdOfBatch = nextId;
            for (var i = 0; i < count; i++)
            {
                seq++;
                var update = b > 0 && nextId > firstIdOfBatch && random.Next(100) < o.UpdatePercent;
                var id = update ? firstIdOfBatch + random.NextInt64(nextId - firstIdOfBatch) : nextId++;
                rows[i] = new Row(seq, update ? "update" : "insert", id,
                    Sites[random.Next(Sites.Length)], States[random.Next(States.Length)],
                    Math.Round(random.NextDouble() * 10_000, 3), Math.Round(15 + random.NextDouble() * 30, 2),
                    random.NextInt64(1_000_000_000_000), random.Next(256),
                    random.Next(10) == 0 ? null : RandomBytes(random, 16));
                finalSeq[id] = seq;
            }
            result.Add(rows);
        }
        ExpectedRows = finalSeq.Count;
        ExpectedSeqSum = finalSeq.Values.Sum();
        LastId = result[^1][^1].Id;
        LastSeq = seq;
        return result;
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>The newest version of each id in a batch (what the mirror ends up holding for it).</summary>
    public static List<Row> Collapse(Row[] batch)
    {
        var newest = new Dictionary<long, Row>(batch.Length);
        foreach (var row in batch)
            newest[row.Id] = row; // commit_seq increases within a batch
        return newest.Values.ToList();
    }

    /// <summary>A <c>sync/rows/batch</c> payload (docs/device-protocol.md), UTF-8.</summary>
    public byte[] Payload(Row[] rows, bool withColumns)
    {
        using var buffer = new MemoryStream(rows.Length * 260 + 1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            RowBatchWriter.WriteStart(w, Guid.CreateVersion7().ToString(), Epoch.ToString(), Table, SchemaHash,
                withColumns ? Schema.ToCanonicalJson() : null, rows[0].Seq, rows[^1].Seq);
            foreach (var r in rows)
            {
                w.WriteStartObject();
                w.WriteNumber("commit_seq", r.Seq);
                w.WriteString("op", r.Op);
                w.WriteStartObject("pk");
                w.WriteNumber("id", r.Id);
                w.WriteEndObject();
                w.WriteStartObject("row");
                w.WriteNumber("id", r.Id);
                w.WriteString("site", r.Site);
                w.WriteString("state", r.State);
                w.WriteNumber("value", r.Value);
                w.WriteNumber("temp", r.Temp);
                w.WriteNumber("counter", r.Counter);
                w.WriteNumber("flags", r.Flags);
                if (r.Raw is null)
                    w.WriteNull("raw");
                else
                    w.WriteBase64String("raw", r.Raw);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            RowBatchWriter.WriteEnd(w);
        }
        return buffer.ToArray();
    }
}
