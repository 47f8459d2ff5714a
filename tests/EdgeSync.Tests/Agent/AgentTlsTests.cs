using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeSync.Agent.Config;
using EdgeSync.Tests.Infrastructure;
using EdgeSync.Wire;
using Xunit.Abstractions;

namespace EdgeSync.Tests.Agent;

/// <summary>mqtts:// against Mosquitto with a private CA: trusted through ca_file, refused without it.</summary>
public sealed class AgentTlsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Mqtts_trusts_the_ca_file_and_refuses_an_unknown_certificate()
    {
        using var db = new DeviceDatabase("CREATE TABLE pump (id INTEGER PRIMARY KEY, rpm INTEGER)");
        db.Execute("INSERT INTO pump VALUES (1, 10)");
        var (caFile, certFile, keyFile) = WriteCertificates(db.Directory);
        var tlsPort = FreePort.Next();
        await using var broker = await Mosquitto.StartAsync($"listener {tlsPort} 127.0.0.1\ncafile {caFile}\ncertfile {certFile}\nkeyfile {keyFile}\n");
        var config = new AgentConfig
        {
            Broker = BrokerAddress.Parse($"mqtts://127.0.0.1:{tlsPort}"),
            DeviceName = "gw-tls",
            RootTopic = "demo/gw-tls",
            DatabasePath = db.Path,
            StateDatabasePath = db.StatePath,
            FlushInterval = TimeSpan.FromMilliseconds(200),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
        };

        var untrusting = new LogSink(output);
        await using (RunningAgent.Start(config, untrusting))
            await Eventually.GetAsync(() => Task.FromResult(untrusting.Contains("Cannot connect to the broker mqtts://127.0.0.1")), found => found,
                TimeSpan.FromSeconds(10), "the untrusted certificate to be refused");
        Assert.Empty(broker.Messages("demo/gw-tls/sync/rows/batch"));

        await using var agent = RunningAgent.Start(config with { CaFile = caFile }, new LogSink(output));
        var batch = (await broker.WaitForAsync("demo/gw-tls/sync/rows/batch"))[0];
        Assert.True(RowBatchReader.Read(batch).IsAccepted);
    }

    private static (string Ca, string Certificate, string Key) WriteCertificates(string directory)
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=EdgeSync Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = serverRequest.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), [1, 2, 3, 4]);

        var paths = (Path.Combine(directory, "ca.pem"), Path.Combine(directory, "server.pem"), Path.Combine(directory, "server.key"));
        File.WriteAllText(paths.Item1, ca.ExportCertificatePem());
        File.WriteAllText(paths.Item2, server.ExportCertificatePem());
        File.WriteAllText(paths.Item3, serverKey.ExportPkcs8PrivateKeyPem());
        return paths;
    }
}
