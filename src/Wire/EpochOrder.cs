namespace EdgeSync.Wire;

/// <summary>
/// Journal epochs are UUIDv7, whose canonical text sorts by creation time; Guid.CompareTo does
/// not (it compares the little-endian fields), so compare the text.
/// </summary>
public static class EpochOrder
{
    public static int Compare(Guid left, Guid right) =>
        string.CompareOrdinal(left.ToString("D"), right.ToString("D"));
}
