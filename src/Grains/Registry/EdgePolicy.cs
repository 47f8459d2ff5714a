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

    /// <summary>What a row no mirror can take does to its lineage (documents stored before this field read as <see cref="PermanentRowErrorAction.Pause"/>).</summary>
    public PermanentRowErrorAction OnPermanentRowError { get; init; } = PermanentRowErrorAction.Pause;
}

/// <summary>The policy's answer to a permanent write error.</summary>
public enum PermanentRowErrorAction
{
    /// <summary>The rows are staged and counted towards the circuit breaker.</summary>
    Pause,

    /// <summary>The failing rows alone are set aside in the quarantine; the rest is written and the lineage goes on.</summary>
    Quarantine,
}
