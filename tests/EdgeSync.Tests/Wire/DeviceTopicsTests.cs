using EdgeSync.Wire;

namespace EdgeSync.Tests.Wire;

/// <summary>On a broker that routes every device's uplinks to the node, the topic alone names the device.</summary>
[Trait("Category", "Fast")]
public sealed class DeviceTopicsTests
{
    [Theory]
    [InlineData("demo/gw-01/sync/rows/batch", "demo/gw-01", "sync/rows/batch")]
    [InlineData("demo/gw.01_a/sync/ingest/request", "demo/gw.01_a", "sync/ingest/request")]
    [InlineData("/gw-01/sync/telemetry/batch", "/gw-01", "sync/telemetry/batch")]
    [InlineData("demo/gw-01/sync/ingest/ack", "demo/gw-01", "sync/ingest/ack")]
    [InlineData("demo/gw-01/sync/schema/observe", "demo/gw-01", "sync/schema/observe")]
    public void An_uplink_topic_splits_into_the_device_root_and_the_uplink(string topic, string root, string uplink) =>
        Assert.Equal((root, uplink), DeviceTopics.SplitUplink(topic));

    [Theory]
    [InlineData("demo/gw-01/sync/ingest/control")]
    [InlineData("demo//sync/rows/batch")]
    [InlineData("//sync/rows/batch")]
    [InlineData("demo/sync/rows/batch")]
    [InlineData("demo/gw-01/extra/sync/rows/batch")]
    [InlineData("demo/gw-01/sync/rows/batch/more")]
    [InlineData("demo/gw-01")]
    [InlineData("")]
    public void A_topic_that_is_no_device_uplink_has_no_device(string topic) => Assert.Null(DeviceTopics.SplitUplink(topic));
}
