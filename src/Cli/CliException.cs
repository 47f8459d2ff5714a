namespace EdgeSync.Cli;

/// <summary>A failure the operator can act on; its message is printed as is, without a stack trace.</summary>
public class CliException(string message, int exitCode = CliExitCodes.UsageError) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
