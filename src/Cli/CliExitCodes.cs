namespace EdgeSync.Cli;

/// <summary>Process exit codes, stable for scripts (documented in the README).</summary>
public static class CliExitCodes
{
    public const int Ok = 0;
    /// <summary>The API refused the request (4xx other than the ones below) or failed (5xx).</summary>
    public const int Failed = 1;
    /// <summary>Bad arguments, or no settings to work with (not logged in, no project chosen).</summary>
    public const int UsageError = 2;
    /// <summary>401 or 403: the token is missing, expired, or lacks the permission.</summary>
    public const int NotAuthorized = 3;
    /// <summary>404: no such lineage, review, device or project in this project.</summary>
    public const int NotFound = 4;
    /// <summary>409: the resource is not in a state that allows it (stale action_version, not tripped, …).</summary>
    public const int Conflict = 5;
    /// <summary>The API could not be reached (connection refused, DNS, timeout).</summary>
    public const int Unreachable = 6;
}
