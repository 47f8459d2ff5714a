namespace EdgeSync.Api.Devices;

/// <summary>The broker could not be told about a device's account (unreachable, no answer in time, or it refused).</summary>
public sealed class BrokerAccountsUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
