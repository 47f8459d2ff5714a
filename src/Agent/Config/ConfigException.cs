namespace EdgeSync.Agent.Config;

/// <summary>The configuration cannot be used; the message says which field and why (exit code 2).</summary>
public sealed class ConfigException(string message) : Exception(message);
