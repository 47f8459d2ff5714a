using MQTTnet;
using MQTTnet.Formatter;

namespace EdgeSync.Silo.Mqtt.External;

/// <summary>What every connection of the node to the external broker has in common: MQTT 5, address, TLS, account.</summary>
public static class BrokerClientOptions
{
    // With mqtts:// the broker's certificate is checked against the system trust store; a client
    // certificate for the node is not supported (docs/external-broker.md).
    public static MqttClientOptionsBuilder For(ExternalBrokerOptions broker, string clientId)
    {
        var host = broker.Address.DnsSafeHost;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, broker.Port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (!string.IsNullOrEmpty(broker.Username))
            builder.WithCredentials(broker.Username, broker.Password);
        if (broker.UsesTls)
            builder.WithTlsOptions(tls => tls.UseTls().WithTargetHost(host));
        return builder;
    }
}
