namespace EdgeSync.Registry;

/// <summary>Per-project rules for lineages; defaults as the product contract sets them.</summary>
public sealed record EdgePolicy
{
    public bool AllowAdditiveContinue { get; init; }
    public long MaxPendingRowsPerLineage { get; init; } = 100_000;
    public long MaxPendingBytesPerLineage { get; init; } = 1L << 30;
    public int ResumeThresholdPercent { get; init; } = 80;
    public int CircuitBreakerThreshold { get; init; } = 5;
    /// <summary>The layout of an approval that names none; per device unless the operator chose otherwise.</summary>
    public MirrorLayout DefaultMirrorLayout { get; init; } = MirrorLayout.PerDevice;
}
