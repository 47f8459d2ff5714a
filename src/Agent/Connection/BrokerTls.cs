using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace EdgeSync.Agent.Connection;

/// <summary>
/// TLS for <c>mqtts://</c>: the broker's certificate is checked against the system trust store,
/// or, with <c>ca_file</c>, against the CA certificates in that PEM file (host name checked either way).
/// </summary>
public static class BrokerTls
{
    public static void Configure(MqttClientTlsOptionsBuilder tls, string host, string? caFile)
    {
        tls.UseTls().WithTargetHost(host);
        if (caFile is null)
            return;
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caFile);
        if (roots.Count == 0)
            throw new Config.ConfigException($"ca_file {caFile} holds no PEM certificate");
        tls.WithCertificateValidationHandler(args => Validate(args.Certificate, args.SslPolicyErrors, roots));
    }

    private static bool Validate(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        if (errors == SslPolicyErrors.None)
            return true;
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            return false; // a name mismatch or a missing certificate is never accepted
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
