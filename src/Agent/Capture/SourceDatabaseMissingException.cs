namespace EdgeSync.Agent.Capture;

/// <summary>The configured source database file does not exist (exit code 2 at start).</summary>
public sealed class SourceDatabaseMissingException(string path)
    : Exception($"the source database {path} does not exist; check 'database' in the configuration (or EDGESYNC_AGENT_DATABASE). The agent never creates it.")
{
    public string Path { get; } = path;
}
