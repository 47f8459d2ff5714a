using System.Diagnostics;

namespace EdgeSync.Lineages;

/// <summary>
/// The activity source of the lineage grain's spans (its PostgreSQL transaction). Static, as
/// activity sources are meant to be: a span is made only while a listener samples it, so with
/// no listener each costs one check.
/// </summary>
public static class LineageTraces
{
    public const string SourceName = "EdgeSync.Lineages";

    public static readonly ActivitySource Source = new(SourceName);
}
