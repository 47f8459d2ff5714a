namespace EdgeSync.Storage;

/// <param name="Schema">The schema of Marten's tables and the service tables.</param>
/// <param name="MirrorSchema">The schema of the mirror tables (created on first provisioning).</param>
public sealed record EdgeStoreSettings(string Schema, string MirrorSchema = EdgeStoreSettings.DefaultMirrorSchema)
{
    /// <summary>The PostgreSQL schema that holds the mirror tables unless configured otherwise.</summary>
    public const string DefaultMirrorSchema = "edge_mirror";

    /// <summary>
    /// The schema of the mirrors' tombstones: one table per mirror table, of the same name, so that
    /// a plain SELECT of a mirror shows only live rows.
    /// </summary>
    public string TombstoneSchema { get; } = MirrorSchema.Length <= 52
        ? MirrorSchema + "_tombstones"
        : throw new ArgumentException($"the mirror schema name '{MirrorSchema}' leaves no room for '{MirrorSchema}_tombstones' (at most 52 characters)", nameof(MirrorSchema));

    public string Table(string name) => $"\"{Schema}\".\"{name}\"";
}
