namespace EdgeSync.Agent.Config;

/// <summary>The MQTT protocol version the agent speaks (<c>protocol: 5</c> or <c>protocol: 3.1.1</c>).</summary>
public enum MqttProtocol
{
    V5,
    V311,
}
