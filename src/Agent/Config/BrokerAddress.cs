namespace EdgeSync.Agent.Config;

/// <summary>Where the broker is: <c>mqtt://host:port</c> (plain TCP, default port 1883) or <c>mqtts://host:port</c> (TLS, default port 8883).</summary>
public sealed record BrokerAddress(string Host, int Port, bool UseTls)
{
    public static BrokerAddress Parse(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
            throw new ConfigException($"broker_url '{url}' is not a URL such as mqtt://host:1883 or mqtts://host:8883");
        var tls = uri.Scheme switch
        {
            "mqtt" or "tcp" => false,
            "mqtts" or "ssl" => true,
            _ => throw new ConfigException($"broker_url '{url}': the scheme must be mqtt:// or mqtts://"),
        };
        var port = uri.IsDefaultPort || uri.Port <= 0 ? (tls ? 8883 : 1883) : uri.Port;
        return new BrokerAddress(uri.Host, port, tls);
    }

    public override string ToString() => $"{(UseTls ? "mqtts" : "mqtt")}://{Host}:{Port}";
}
