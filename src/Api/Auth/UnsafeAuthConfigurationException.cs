namespace EdgeSync.Api.Auth;

/// <summary>
/// The node's authentication settings would let strangers in (the public development key outside
/// Development, an identity provider read over plain HTTP): the node refuses to start, and its
/// host prints the message without a stack trace and exits with its own code.
/// </summary>
public sealed class UnsafeAuthConfigurationException(string message) : InvalidOperationException(message);
