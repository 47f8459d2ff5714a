using EdgeSync.Cli.Api;

namespace EdgeSync.Cli.Ui;

/// <summary>The lineage an action applies to, with the names shown in titles and confirmations.</summary>
public sealed record LineageRef(Guid Id, string DeviceName, string SourceTable, string? MirrorName)
{
    public static LineageRef Of(LineageSummary l) => new(l.Id, l.DeviceName, l.SourceTable, null);

    public static LineageRef Of(LineageDetail l) => new(l.Id, l.DeviceName, l.SourceTable, l.Mirror?.Name);

    public string Label => $"{DeviceName} / {SourceTable}";
}
