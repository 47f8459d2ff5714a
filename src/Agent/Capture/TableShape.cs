using EdgeSync.Wire;

namespace EdgeSync.Agent.Capture;

/// <summary>
/// A table as <c>PRAGMA table_info</c> shows it: its columns in declaration order (for the
/// triggers), its fingerprint in the wire's canonical form and the schema hash.
/// </summary>
public sealed record TableShape(string Name, IReadOnlyList<SchemaColumn> Columns)
{
    public SchemaFingerprint Fingerprint { get; } = new(Name, Columns);

    /// <summary>The schema hash: SHA-256 of the canonical fingerprint (the cloud computes it the same way).</summary>
    public string Hash => _hash ??= Fingerprint.ComputeHash();
    private string? _hash;

    /// <summary>The primary-key columns in key order; empty for a rowid-only table.</summary>
    public IReadOnlyList<SchemaColumn> Key => Fingerprint.PrimaryKey;

    public bool HasPrimaryKey => Key.Count > 0;

    /// <summary>Declared types by column name, as written in CREATE TABLE (not part of the fingerprint; telemetry uses them to find the timestamp column).</summary>
    public IReadOnlyDictionary<string, string> DeclaredTypes { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public string DeclaredTypeOf(string column) => DeclaredTypes.GetValueOrDefault(column, "");
}
