namespace EdgeSync.Storage;

/// <param name="Schema">The schema of Marten's tables and the service tables.</param>
/// <param name="MirrorSchema">The schema of the mirror tables (created on first provisioning).</param>
public sealed record EdgeStoreSettings(string Schema, string MirrorSchema = EdgeStoreSettings.DefaultMirrorSchema)
{
    /// <summary>The PostgreSQL schema that holds the mirror tables unless configured otherwise.</summary>
    public const string DefaultMirrorSchema = "edge_mirror";

    public string Table(string name) => $"\"{Schema}\".\"{name}\"";
}
