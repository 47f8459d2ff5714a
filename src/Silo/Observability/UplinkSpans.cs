using System.Diagnostics;
using EdgeSync.Silo.Mqtt;
using MQTTnet.Packets;

namespace EdgeSync.Silo.Observability;

/// <summary>
/// The spans of one device uplink: <c>uplink.receive</c> around the whole handling, with
/// <c>uplink.validate</c>, the Orleans grain call, the lineage's PostgreSQL transaction and
/// <c>uplink.acknowledge</c> inside it. Each call costs one listener check when nobody traces.
/// </summary>
public static class UplinkSpans
{
    public const string SourceName = "EdgeSync.Ingest";

    /// <summary>Static, as activity sources are meant to be: nothing is made while nobody listens.</summary>
    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The MQTT 5 user property a gateway or device may set to continue its trace (W3C trace context).</summary>
    public const string TraceParentProperty = "traceparent";
    public const string TraceStateProperty = "tracestate";

    public static Activity? Receive(string uplink, DeviceSession device, ActivityContext parent = default)
    {
        var span = Source.StartActivity("uplink.receive", ActivityKind.Consumer, parent);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag("messaging.system", "mqtt");
            span.SetTag("messaging.operation.type", "process");
            span.SetTag("messaging.destination.name", uplink);
            span.SetTag("edgesync.project_id", device.Identity.ProjectId);
            span.SetTag("edgesync.device_id", device.Identity.DeviceId);
        }
        return span;
    }

    /// <summary>The trace a publisher sent along in the user properties, or none; read only while someone traces.</summary>
    public static ActivityContext TraceParentOf(IReadOnlyCollection<MqttUserProperty>? properties)
    {
        if (properties is not { Count: > 0 } || !Source.HasListeners())
            return default;
        string? parent = null, state = null;
        foreach (var property in properties)
        {
            if (property.Name == TraceParentProperty)
                parent = property.ReadValueAsString();
            else if (property.Name == TraceStateProperty)
                state = property.ReadValueAsString();
        }
        return parent is not null && ActivityContext.TryParse(parent, state, isRemote: true, out var context) ? context : default;
    }

    public static Activity? Validate(string uplink)
    {
        var span = Source.StartActivity("uplink.validate");
        span?.SetTag("messaging.destination.name", uplink);
        return span;
    }

    public static Activity? Acknowledge(UplinkVerdict verdict)
    {
        var span = Source.StartActivity("uplink.acknowledge");
        span?.SetTag("edgesync.result", ResultOf(verdict));
        return span;
    }

    public static void NotDurable(Activity? receive, Exception error)
    {
        receive?.SetTag("edgesync.result", NotDurableResult);
        receive?.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
    }

    public const string NotDurableResult = "not_durable";

    /// <summary>The <c>result</c> label of the acknowledgement latency.</summary>
    public static string ResultOf(UplinkVerdict verdict) => verdict == UplinkVerdict.Accepted ? "accepted" : "rejected";
}
