using System.Text;

namespace EdgeSync.Mirrors;

/// <summary>The (device, source table) a mirror table belongs to, and the lineage that last provisioned it.</summary>
public sealed record MirrorTableOwner(Guid LineageId, Guid DeviceId, string SourceTable)
{
    /// <summary>Same device and same source table (ordinal); the lineage may differ (a re-created lineage takes the table over).</summary>
    public bool IsSameSource(Guid deviceId, string sourceTable) =>
        DeviceId == deviceId && string.Equals(SourceTable, sourceTable, StringComparison.Ordinal);
}

/// <summary>
/// The (project, source table) a coalesced mirror table belongs to. No lineage owns it: every
/// lineage of that project and source table may bind to it, and no other may.
/// </summary>
public sealed record MirrorFleetOwner(Guid ProjectId, string SourceTable);

/// <summary>
/// Ownership of a mirror table is recorded in the table's own comment, so it lives and dies with
/// the table and needs no catalog of its own:
/// <c>edgesync lineage=&lt;uuid&gt; device=&lt;uuid&gt; table=&lt;base64 of the UTF-8 source table name&gt;</c>.
/// The comment holds only [a-z0-9 =+/-], so it is safe as a SQL string literal. A relation whose
/// comment does not parse belongs to someone else.
/// <para>
/// A coalesced table records its (project, source table) instead, under another marker:
/// <c>edgesync-fleet project=&lt;uuid&gt; table=&lt;base64&gt;</c>. Neither form parses as the
/// other, so a per-device lineage never takes a coalesced table over, and a coalesced binding
/// never takes a per-device table.
/// </para>
/// </summary>
public static class MirrorOwnership
{
    private const string Marker = "edgesync";
    private const string FleetMarker = "edgesync-fleet";

    public static string Format(MirrorTableOwner owner) =>
        $"{Marker} lineage={owner.LineageId:D} device={owner.DeviceId:D} table={Convert.ToBase64String(Encoding.UTF8.GetBytes(owner.SourceTable))}";

    public static MirrorTableOwner? Parse(string? comment)
    {
        if (comment is null)
            return null;
        var parts = comment.Split(' ');
        if (parts.Length != 4 || parts[0] != Marker)
            return null;
        if (!TryValue(parts[1], "lineage=", out var lineage) || !Guid.TryParseExact(lineage, "D", out var lineageId))
            return null;
        if (!TryValue(parts[2], "device=", out var device) || !Guid.TryParseExact(device, "D", out var deviceId))
            return null;
        if (!TryValue(parts[3], "table=", out var table))
            return null;
        try
        {
            return new MirrorTableOwner(lineageId, deviceId, new UTF8Encoding(false, true).GetString(Convert.FromBase64String(table)));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return null;
        }
    }

    public static string Format(MirrorFleetOwner owner) =>
        $"{FleetMarker} project={owner.ProjectId:D} table={Convert.ToBase64String(Encoding.UTF8.GetBytes(owner.SourceTable))}";

    public static MirrorFleetOwner? ParseFleet(string? comment)
    {
        if (comment is null)
            return null;
        var parts = comment.Split(' ');
        if (parts.Length != 3 || parts[0] != FleetMarker)
            return null;
        if (!TryValue(parts[1], "project=", out var project) || !Guid.TryParseExact(project, "D", out var projectId))
            return null;
        if (!TryValue(parts[2], "table=", out var table))
            return null;
        return TryDecode(table) is { } source ? new MirrorFleetOwner(projectId, source) : null;
    }

    /// <summary>The comment as a SQL string literal (it never holds a quote, but it is escaped all the same).</summary>
    internal static string Literal(MirrorTableOwner owner) => Quoted(Format(owner));

    internal static string Literal(MirrorFleetOwner owner) => Quoted(Format(owner));

    private static string Quoted(string comment) => "'" + comment.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string? TryDecode(string base64)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(Convert.FromBase64String(base64));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return null;
        }
    }

    private static bool TryValue(string part, string prefix, out string value)
    {
        value = part.StartsWith(prefix, StringComparison.Ordinal) ? part[prefix.Length..] : "";
        return value.Length > 0;
    }
}
