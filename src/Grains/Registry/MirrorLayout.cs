namespace EdgeSync.Registry;

/// <summary>
/// Where an approved lineage's rows go: a mirror table of its own (<c>per_device</c>), or the one
/// table its project keeps for the source table, shared by every device bound to it (<c>coalesced</c>).
/// </summary>
public enum MirrorLayout
{
    PerDevice,
    Coalesced,
}
