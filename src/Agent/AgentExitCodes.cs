namespace EdgeSync.Agent;

/// <summary>The agent's process exit codes.</summary>
public static class AgentExitCodes
{
    /// <summary>Stopped on request.</summary>
    public const int Ok = 0;

    /// <summary>An unexpected error.</summary>
    public const int Failed = 1;

    /// <summary>Something the operator must fix: the source database is missing, or the configuration is invalid.</summary>
    public const int OperatorError = 2;
}
