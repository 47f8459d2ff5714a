using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using EdgeSync.Wire;
using static EdgeSync.Tests.Wire.WirePayloads;

namespace EdgeSync.Tests.Wire;

/// <summary>
/// <see cref="RowBatchReader.Read"/> reads ordinary batches with a one-pass fast path and leaves
/// everything else to its reference reader: whatever the payload, the result must be the
/// reference's, down to the rejection detail and the parsed pk/row values of every row.
/// </summary>
public class RowBatchFastPathTests
{
    public static TheoryData<string, string> RejectionCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var row in RowBatchRejectionTests.Cases())
            data.Add((string)row[1], (string)row[2]);
        return data;
    }

    [Theory]
    [MemberData(nameof(RejectionCases))]
    public void Every_rejection_case_reads_as_the_reference_reads_it(string @case, string payload) =>
        AssertSameAsReference(Encoding.UTF8.GetBytes(payload), @case);

    public static TheoryData<string, string> AcceptedCases() => new()
    {
        { "spec example", Batch(_ => { }) },
        { "without schema_columns", Batch(m => { m.Remove("schema_columns"); m["schema_hash"] = new string('a', 64); Row(m, 0)["pk"] = new JsonObject { ["anything"] = 1 }; }) },
        { "null schema_columns", Batch(m => m["schema_columns"] = null) },
        { "delete without row", Batch(m => Row(m, 2).Remove("row")) },
        { "gaps in commit_seq", Batch(m => { Row(m, 1)["commit_seq"] = 102; Row(m, 2)["commit_seq"] = 1000; m["last_commit_seq"] = 1000; }) },
        { "unknown fields", Batch(m => { m["agent_version"] = "2.4.1"; m["extra"] = new JsonObject { ["device_id"] = "x" }; }) },
        { "upper-case batch_id", Batch(m => m["batch_id"] = "0192F5C4-8D2E-7B31-9F0A-3C5E7D9B1A20") },
        { "255-byte source_table", Batch(m => { m["source_table"] = new string('é', 127) + "x"; m.Remove("schema_columns"); }) },
        { "source_table température", Batch(m => { m["source_table"] = "température"; m.Remove("schema_columns"); }) },
        { "schema_columns after rows", Batch(m => { var s = m["schema_columns"]; m.Remove("schema_columns"); m["schema_columns"] = s; }) },
        { "members of rows entries in another order", Batch(m => { foreach (var row in m["rows"]!.AsArray()) { var seq = row!["commit_seq"]!.DeepClone(); row.AsObject().Remove("commit_seq"); row["commit_seq"] = seq; } }) },
        { "4096 deletes", BatchOfDeletes(4096) },
        { "kept exactly as received", KeptExactlyPayload() },
        { "escaped pk and row names", Batch(_ => { }).Replace("{\"id\":7,\"mode\"", "{\"\\u0069d\":7,\"mo\\u0064e\"") },
        { "white space everywhere", Batch(_ => { }).Replace(",", " ,\n\t").Replace(":", " : ").Replace("{", " { ") },
    };

    [Theory]
    [MemberData(nameof(AcceptedCases))]
    public void Every_accepted_case_reads_as_the_reference_reads_it(string @case, string payload)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);
        Assert.True(RowBatchReferenceReader.Read(bytes).IsAccepted, @case);
        AssertSameAsReference(bytes, @case);
    }

    [Theory]
    [InlineData("spec example")]
    [InlineData("without schema_columns")]
    [InlineData("escaped pk and row names")]
    [InlineData("white space everywhere")]
    [InlineData("4096 deletes")]
    [InlineData("kept exactly as received")]
    public void The_fast_path_itself_reads_ordinary_batches(string @case)
    {
        var payload = (string)AcceptedCases().Single(row => (string)row[0] == @case)[1];
        Assert.NotNull(RowBatchFastPath.TryRead(Encoding.UTF8.GetBytes(payload)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_fast_path_reads_a_benchmark_batch_as_the_reference_does(bool withSchemaColumns)
    {
        var payload = BenchmarkLikePayload(withSchemaColumns);

        Assert.NotNull(RowBatchFastPath.TryRead(payload));
        AssertSameAsReference(payload, "benchmark batch");
    }

    [Fact]
    public void Rows_share_their_member_names_as_with_the_reference_reader()
    {
        var batch = RowBatchFastPath.TryRead(BenchmarkLikePayload(false))!;

        // Shared strings also show that the reader filled each row's parse (a later parse of the text would not share them).
        Assert.Same(batch.Rows[0].Pk.Names[0], batch.Rows[^1].Pk.Names[0]);
        Assert.Same(batch.Rows[0].Row!.Names[^1], batch.Rows[^1].Row!.Names[^1]);
    }

    [Fact]
    public void Random_batches_and_their_mutations_read_as_the_reference_reads_them() =>
        RandomRowBatches.Samples.Sample(sample =>
        {
            var reference = RowBatchReferenceReader.Read(sample.Payload);
            if (sample.Change == "unchanged")
                Assert.True(reference.IsAccepted, $"the generator made an invalid batch: {reference}");
            AssertSameAsReference(sample.Payload, sample.Change);
            if (sample.Ordinary)
                Assert.NotNull(RowBatchFastPath.TryRead(sample.Payload));
        }, iter: 4000, threads: 1, print: sample => sample.ToString());

    private static void AssertSameAsReference(byte[] payload, string @case)
    {
        var expected = RowBatchReferenceReader.Read(payload);
        var actual = RowBatchReader.Read(payload);
        var fast = RowBatchFastPath.TryRead(payload);

        Assert.True(expected.IsAccepted == actual.IsAccepted, $"{@case}: reference {expected}, Read {actual}");
        if (!expected.IsAccepted)
        {
            Assert.Equal(expected.Rejection, actual.Rejection);
            Assert.Null(fast);
            return;
        }
        AssertSameBatch(expected.Value, actual.Value!);
        if (fast is not null)
            AssertSameBatch(expected.Value, fast);
    }

    private static void AssertSameBatch(RowBatch expected, RowBatch actual)
    {
        Assert.Equal(expected.BatchId, actual.BatchId);
        Assert.Equal(expected.JournalEpoch, actual.JournalEpoch);
        Assert.Equal(expected.SourceTable, actual.SourceTable);
        Assert.Equal(expected.SchemaHash, actual.SchemaHash);
        Assert.Equal(expected.SchemaColumns, actual.SchemaColumns);
        Assert.Equal(expected.FirstCommitSeq, actual.FirstCommitSeq);
        Assert.Equal(expected.LastCommitSeq, actual.LastCommitSeq);
        Assert.Equal(expected.PayloadBytes, actual.PayloadBytes);
        Assert.Equal(expected.Rows.GetType(), actual.Rows.GetType());
        Assert.Equal(expected.Rows.Count, actual.Rows.Count);
        for (var i = 0; i < expected.Rows.Count; i++)
        {
            Assert.Equal(expected.Rows[i], actual.Rows[i]);   // commit_seq, op and the pk/row text
            AssertSameObject(expected.Rows[i].Pk, actual.Rows[i].Pk);
            if (expected.Rows[i].Row is null)
                Assert.Null(actual.Rows[i].Row);
            else
                AssertSameObject(expected.Rows[i].Row!, actual.Rows[i].Row!);
        }
        Assert.Equal(NameSharing(expected), NameSharing(actual));
    }

    private static void AssertSameObject(WireObject expected, WireObject actual)
    {
        Assert.Equal(expected.Names, actual.Names);
        Assert.Equal(expected.Values, actual.Values);
        Assert.Equal(expected.ContainsNul, actual.ContainsNul);
    }

    /// <summary>Which member-name strings of the batch are one and the same object: each name as the index of its first occurrence.</summary>
    private static List<int> NameSharing(RowBatch batch)
    {
        var first = new Dictionary<object, int>(ReferenceEqualityComparer.Instance);
        var sharing = new List<int>();
        foreach (var row in batch.Rows)
            foreach (var name in row.Pk.Names.Concat(row.Row?.Names ?? []))
            {
                if (!first.TryGetValue(name, out var index))
                    first[name] = index = sharing.Count;
                sharing.Add(index);
            }
        return sharing;
    }

    private static string KeptExactlyPayload()
    {
        const string pk = """{ "site" : "caf\u00e9", "n":  -0 }""";
        const string row = """{"site":"caf\u00e9" ,"n":-0,"v":1.50E+2,"big":9223372036854775807,"s":"\"q\" \\ \n 😀","nul":"a\u0000b","nothing":null,"t":true,"f":false}""";
        return $$"""
            {"format_version":1,"capture_strategy":"sqlite_row_batch_v1","batch_id":"{{BatchId}}","journal_epoch":"{{JournalEpoch}}",
             "source_table":"kv","schema_hash":"{{DeviceStateHash}}","first_commit_seq":9223372036854775806,"last_commit_seq":9223372036854775807,
             "rows":[{"commit_seq":9223372036854775806,"op":"insert","pk":{{pk}},"row":{{row}}},
                     {"row":null,"pk":{{pk}},"op":"delete","commit_seq":9223372036854775807}]}
            """;
    }

    /// <summary>The shape of the benchmark's payloads (bench/EdgeSync.Bench/Workload.cs): 500 rows of 8 columns, a fifth of them updates.</summary>
    private static byte[] BenchmarkLikePayload(bool withSchemaColumns)
    {
        var schema = new SchemaFingerprint("sensor_readings",
        [
            new("id", "INTEGER", true, 1), new("site", "TEXT", false, 0), new("state", "TEXT", false, 0), new("value", "REAL", false, 0),
            new("temp", "REAL", false, 0), new("counter", "INTEGER", false, 0), new("flags", "INTEGER", false, 0), new("raw", "BLOB", false, 0),
        ]);
        var random = new Random(7);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("format_version", 1);
            w.WriteString("capture_strategy", "sqlite_row_batch_v1");
            w.WriteString("batch_id", BatchId);
            w.WriteString("journal_epoch", JournalEpoch);
            w.WriteString("source_table", schema.TableName);
            w.WriteString("schema_hash", schema.ComputeHash());
            if (withSchemaColumns)
            {
                w.WritePropertyName("schema_columns");
                w.WriteRawValue(schema.ToCanonicalJson());
            }
            w.WriteNumber("first_commit_seq", 1001);
            w.WriteNumber("last_commit_seq", 1500);
            w.WriteStartArray("rows");
            for (var seq = 1001; seq <= 1500; seq++)
            {
                var id = random.Next(5) == 0 ? seq - random.Next(1, 10) : seq;
                w.WriteStartObject();
                w.WriteNumber("commit_seq", seq);
                w.WriteString("op", id == seq ? "insert" : "update");
                w.WriteStartObject("pk");
                w.WriteNumber("id", id);
                w.WriteEndObject();
                w.WriteStartObject("row");
                w.WriteNumber("id", id);
                w.WriteString("site", $"plant-{random.Next(8)}/line-{random.Next(8)}");
                w.WriteString("state", "running");
                w.WriteNumber("value", Math.Round(random.NextDouble() * 10_000, 3));
                w.WriteNumber("temp", Math.Round(15 + random.NextDouble() * 30, 2));
                w.WriteNumber("counter", random.NextInt64(1_000_000_000_000));
                w.WriteNumber("flags", random.Next(256));
                if (random.Next(10) == 0)
                    w.WriteNull("raw");
                else
                {
                    var raw = new byte[16];
                    random.NextBytes(raw);
                    w.WriteBase64String("raw", raw);
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
