using MQTTnet;

namespace EdgeSync.Agent.Publish;

/// <summary>What a PUBACK means for a published batch.</summary>
public enum PubAckVerdict
{
    /// <summary>Durable in the cloud (or, on MQTT 3.1.1, simply acknowledged).</summary>
    Accepted,

    /// <summary>
    /// Refused for good (MQTT 5 reason 0x99 PayloadFormatInvalid or 0x97 QuotaExceeded): resending
    /// the same rows cannot succeed, so the agent logs it loudly and moves past it.
    /// </summary>
    Rejected,

    /// <summary>Any other refusal (e.g. NotAuthorized: wrong root_topic): not advanced, retried at the next flush.</summary>
    Failed,
}

public static class PubAck
{
    public static PubAckVerdict Judge(MqttClientPublishResult result) => result.ReasonCode switch
    {
        MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers => PubAckVerdict.Accepted,
        MqttClientPublishReasonCode.PayloadFormatInvalid or MqttClientPublishReasonCode.QuotaExceeded => PubAckVerdict.Rejected,
        _ => PubAckVerdict.Failed,
    };
}
