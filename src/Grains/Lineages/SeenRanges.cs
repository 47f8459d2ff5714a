namespace EdgeSync.Lineages;

/// <summary>
/// The commit sequences a lineage has kept in its current epoch, as sorted, disjoint ranges. A
/// device's journal numbers the changes of all its tables, so the batches of one table leave gaps
/// that only a late batch could fill: in-order batches make one range each. Only the newest
/// <see cref="Limit"/> ranges are kept; forgetting the oldest is safe, because a forgotten row that
/// comes again counts as late and goes through the mirror's ordering guard, where it changes nothing.
/// Remembering a row that was never kept would lose it, so ranges only ever come from kept batches.
/// </summary>
public static class SeenRanges
{
    /// <summary>Ranges kept per lineage: a duplicate is recognised as such up to this many batches back.</summary>
    public const int Limit = 64;

    public static bool Contains(IReadOnlyList<SeenRange> ranges, long seq)
    {
        int low = 0, high = ranges.Count - 1;
        while (low <= high)
        {
            var mid = (low + high) / 2;
            if (seq < ranges[mid].First)
                high = mid - 1;
            else if (seq > ranges[mid].Last)
                low = mid + 1;
            else
                return true;
        }
        return false;
    }

    /// <summary>The ranges with <paramref name="first"/>..<paramref name="last"/> added, merged with those it overlaps or touches.</summary>
    public static List<SeenRange> Add(IReadOnlyList<SeenRange> ranges, long first, long last)
    {
        var result = new List<SeenRange>(ranges.Count + 1);
        var added = new SeenRange(first, last);
        var placed = false;
        foreach (var range in ranges)
        {
            if (range.Last + 1 < added.First)
            {
                result.Add(range);
            }
            else if (added.Last + 1 < range.First)
            {
                if (!placed)
                    result.Add(added);
                placed = true;
                result.Add(range);
            }
            else
            {
                added = new SeenRange(Math.Min(range.First, added.First), Math.Max(range.Last, added.Last));
            }
        }
        if (!placed)
            result.Add(added);
        if (result.Count > Limit)
            result.RemoveRange(0, result.Count - Limit);
        return result;
    }
}
