using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using EdgeSync.Tests.Wire;
using EdgeSync.Uploads;
using EdgeSync.Wire;

namespace EdgeSync.Tests.Uploads;

/// <summary>
/// A snapshot's row lines are read by <see cref="SnapshotLineFastPath"/> and, when it cannot
/// decide, by the reference reader: whatever the line, a row the fast path answers must be the
/// reference's, down to the parsed pk and row values, and a line the reference refuses must be
/// left to it.
/// </summary>
[Trait("Category", "Fast")]
public sealed class SnapshotLineFastPathTests
{
    private static readonly string[] Names = ["id", "serial", "site", "température", "a\"b", "note", "rpm", "n"];

    private static readonly Func<Random, JsonNode?>[] Values =
    [
        r => r.Next(), r => -r.NextInt64(), r => r.NextDouble() * 1e6, r => $"text {r.Next()}", r => "é ✓ \u0001 \n \"q\"", r => null, r => true, r => false,
        r => "", r => new string('x', r.Next(300)), r => 9223372036854775807L,
    ];

    private static string Line(Random random, bool ordinary)
    {
        JsonObject Object(int members)
        {
            var o = new JsonObject();
            foreach (var name in Names.OrderBy(_ => random.Next()).Take(members))
                o[name] = Values[random.Next(Values.Length)](random);
            return o;
        }
        var line = new JsonObject { ["pk"] = Object(random.Next(1, 3)), ["row"] = Object(random.Next(1, Names.Length)) };
        if (!ordinary)
        {
            switch (random.Next(4))
            {
                case 0: line["extra"] = 1; break;
                case 1: line.Remove("pk"); line["pk"] = new JsonObject { ["id"] = 1 }; break; // row before pk
                case 2: line["row"] = new JsonObject(); break;
                default: line["pk"] = random.Next(2) == 0 ? null : new JsonArray(1); break;
            }
        }
        return line.ToJsonString();
    }

    [Fact]
    public void Random_lines_and_their_mutations_read_as_the_reference_reads_them() =>
        Gen.Int.Sample(seed =>
        {
            var random = new Random(seed);
            var text = Line(random, ordinary: random.Next(4) != 0);
            var line = Encoding.UTF8.GetBytes(text);
            var change = "unchanged";
            if (random.Next(2) == 0)
                (line, change) = PayloadMutations.ChangeText(random, line);
            AssertSameAsReference(line, $"{text} ({change})");
        }, iter: 4000, threads: 1);

    [Theory]
    [InlineData("""{"pk":{"id":1},"row":{"id":1,"name":"a"}}""")]
    [InlineData("""{"row":{"id":1,"name":"a"},"pk":{"id":1}}""")]
    [InlineData("""{"pk":{"id":1},"row":{"id":1},"pk":{"id":2}}""")]
    [InlineData("""{"pk":{"id":1},"row":{"id":1,"id":2}}""")]
    [InlineData("""{"pk":{"id":1},"row":{"nested":{"a":1}}}""")]
    [InlineData("""{"pk":{"id":1},"row":{"id":123456789012345678901234567890123456789012345678901234567890}}""")]
    [InlineData("""{"pk":{"id":1},"row":{"s":"\u0000"}}""")]
    [InlineData("""{"pk":{"id":1},"row":{}}""")]
    [InlineData("""{"pk":{"id":1}}""")]
    [InlineData("""{"pk":{"id":1},"row":{"id":1}} {}""")]
    [InlineData("""{"pk":{"id":1},"row":{"id":1}""")]
    [InlineData("""{"p\u006b":{"id":1},"row":{"id":1}}""")]
    [InlineData("""[1]""")]
    public void Edge_cases_read_as_the_reference_reads_them(string line) => AssertSameAsReference(Encoding.UTF8.GetBytes(line), line);

    [Fact]
    public void An_ordinary_line_is_read_by_the_fast_path() =>
        Assert.NotNull(new SnapshotLineFastPath().TryRead("""{"pk":{"id":7},"row":{"id":7,"name":"x","t":1.5,"n":null}}"""u8, 3));

    private static void AssertSameAsReference(byte[] line, string @case)
    {
        var fast = new SnapshotLineFastPath().TryRead(line, 7);
        RowOperation? expected = null;
        Exception? refused = null;
        try
        {
            expected = SnapshotObject.Parsed(line, 1, 7, new WireNames());
        }
        catch (Exception e)
        {
            refused = e;
        }
        if (fast is null)
            return;
        Assert.True(refused is null, $"{@case}: the fast path read a line the reference refuses ({refused?.Message})");
        Assert.Equal(expected!.CommitSeq, fast.CommitSeq);
        Assert.Equal(expected.Op, fast.Op);
        Assert.Equal(expected.PkJson, fast.PkJson);
        Assert.Equal(expected.RowJson, fast.RowJson);
        AssertSame(expected.Pk, fast.Pk, @case);
        AssertSame(expected.Row!, fast.Row!, @case);
    }

    private static void AssertSame(WireObject expected, WireObject actual, string @case)
    {
        Assert.True(expected.Names.SequenceEqual(actual.Names), $"{@case}: names differ");
        Assert.True(expected.Values.SequenceEqual(actual.Values), $"{@case}: values differ");
        Assert.Equal(expected.ContainsNul, actual.ContainsNul);
    }
}
