using CsCheck;
using EdgeSync.Lineages;

namespace EdgeSync.Tests.Lineages;

/// <summary><see cref="SeenRanges"/> against a set of every sequence added.</summary>
[Trait("Category", "Fast")]
public sealed class SeenRangesTests
{
    private static readonly Gen<(long First, long Last)[]> GenBatches =
        Gen.Select(Gen.Long[1, 400], Gen.Long[0, 6], (first, length) => (first, first + length)).Array[1, 120];

    /// <summary>The ranges and the reference set after each batch is added.</summary>
    private static IEnumerable<(List<SeenRange> Ranges, HashSet<long> Reference)> Added((long First, long Last)[] batches)
    {
        var ranges = new List<SeenRange>();
        var reference = new HashSet<long>();
        foreach (var (first, last) in batches)
        {
            ranges = SeenRanges.Add(ranges, first, last);
            for (var seq = first; seq <= last; seq++)
                reference.Add(seq);
            yield return (ranges, reference);
        }
    }

    [Fact]
    public void Below_the_limit_a_sequence_is_seen_exactly_when_a_batch_covered_it() =>
        GenBatches.Sample(batches =>
        {
            foreach (var (ranges, reference) in Added(batches).TakeWhile(state => state.Ranges.Count < SeenRanges.Limit))
            {
                for (var seq = 0L; seq <= 410; seq++)
                    Assert.Equal(reference.Contains(seq), SeenRanges.Contains(ranges, seq));
            }
        });

    [Fact]
    public void Whatever_the_number_of_batches_no_sequence_is_seen_that_was_not_added_and_ranges_stay_sorted_and_apart() =>
        GenBatches.Sample(batches =>
        {
            var (ranges, reference) = Added(batches).Last();
            Assert.True(ranges.Count <= SeenRanges.Limit);
            Assert.All(ranges.Zip(ranges.Skip(1)), pair => Assert.True(pair.First.Last + 1 < pair.Second.First, $"{pair.First} and {pair.Second} touch"));
            for (var seq = 0L; seq <= 410; seq++)
                Assert.True(!SeenRanges.Contains(ranges, seq) || reference.Contains(seq), $"{seq} was never added");
            // The newest (highest) ranges are the ones kept.
            Assert.True(SeenRanges.Contains(ranges, batches.Max(b => b.Last)));
        });
}
