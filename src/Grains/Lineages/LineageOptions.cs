namespace EdgeSync.Lineages;

/// <summary>Tuning of lineage grains (configuration section <c>Lineages</c>).</summary>
public sealed class LineageOptions
{
    /// <summary>How long a grain keeps using the project policy it read; a PATCH takes effect after at most this long.</summary>
    public TimeSpan PolicyFreshness { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Staged rows drained per replay transaction.</summary>
    public int ReplayChunkRows { get; set; } = 2000;
}
