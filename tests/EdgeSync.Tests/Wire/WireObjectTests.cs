using System.Text.Json;
using EdgeSync.Wire;
using static EdgeSync.Tests.Wire.WirePayloads;

namespace EdgeSync.Tests.Wire;

/// <summary>The reader keeps each row parsed; a row that crossed to another silo is parsed again from its text. Both must agree.</summary>
public class WireObjectTests
{
    [Fact]
    public void The_parse_the_reader_keeps_equals_a_parse_of_the_row_text()
    {
        const string pk = """{"site":"caf\u00e9","n":-0}""";
        const string row = """{"site":"caf\u00e9","n":-0,"v":1.50E+2,"big":9223372036854775807,"s":"\"q\" \\ \n 😀","ok":true,"nothing":null}""";
        var payload = $$"""
            {"format_version":1,"capture_strategy":"sqlite_row_batch_v1","batch_id":"{{BatchId}}","journal_epoch":"{{JournalEpoch}}",
             "source_table":"kv","schema_hash":"{{DeviceStateHash}}","first_commit_seq":1,"last_commit_seq":3,
             "rows":[{"commit_seq":1,"op":"insert","pk":{{pk}},"row":{{row}}},
                     {"commit_seq":2,"op":"update","pk":{{pk}},"row":{{row}}},
                     {"commit_seq":3,"op":"delete","pk":{{pk}},"row":null}]}
            """;
        var batch = RowBatchReader.Read(System.Text.Encoding.UTF8.GetBytes(payload)).Value!;

        foreach (var read in batch.Rows)
        {
            var again = new RowOperation(read.CommitSeq, read.Op, read.PkJson, read.RowJson);
            AssertSame(again.Pk, read.Pk);
            if (read.RowJson is null)
                Assert.Null(read.Row);
            else
                AssertSame(again.Row!, read.Row!);
        }
        var values = batch.Rows[0].Row!;
        Assert.Equal(new WireScalar(JsonValueKind.Number, "1.50E+2"), values.Values[values.LastIndexOf("v")]);
        Assert.Equal(new WireScalar(JsonValueKind.String, "\"q\" \\ \n 😀"), values.Values[values.LastIndexOf("s")]);
        Assert.Equal(new WireScalar(JsonValueKind.True, null), values.Values[values.LastIndexOf("ok")]);
        Assert.False(values.ContainsNul);
    }

    [Theory]
    [InlineData("""{"a":"x\u0000y"}""")]
    [InlineData("""{"a\u0000":1}""")]
    [InlineData("""{"a":{"b":["\u0000"]}}""")]
    public void U0000_anywhere_is_noticed(string json) => Assert.True(WireObject.Parse(json).ContainsNul);

    [Fact]
    public void A_copy_with_other_text_does_not_keep_the_old_parse()
    {
        var row = new RowOperation(1, "insert", """{"id":1}""", """{"id":1}""");
        _ = row.Pk;
        var changed = row with { PkJson = """{"other":2}""" };
        Assert.Equal(["other"], changed.Pk.Names);
        Assert.Equal(row, new RowOperation(1, "insert", """{"id":1}""", """{"id":1}"""));
    }

    private static void AssertSame(WireObject expected, WireObject actual)
    {
        Assert.Equal(expected.Names, actual.Names);
        Assert.Equal(expected.Values, actual.Values);
        Assert.Equal(expected.ContainsNul, actual.ContainsNul);
    }
}
