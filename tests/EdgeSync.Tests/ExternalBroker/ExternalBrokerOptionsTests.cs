using EdgeSync.Silo.Mqtt.External;

namespace EdgeSync.Tests.ExternalBroker;

/// <summary>A node in external mode refuses to start with settings that could not work, and says which.</summary>
[Trait("Category", "Fast")]
public sealed class ExternalBrokerOptionsTests
{
    private static readonly ExternalBrokerOptionsValidator Validator = new();

    [Theory]
    [InlineData("mqtt://broker.internal", 1883, false)]
    [InlineData("mqtt://127.0.0.1:18830", 18830, false)]
    [InlineData("mqtts://broker.internal", 8883, true)]
    [InlineData("mqtts://broker.internal:9883/", 9883, true)]
    public void A_broker_url_gives_the_address_port_and_TLS(string url, int port, bool tls)
    {
        var options = new ExternalBrokerOptions { Url = url };
        Assert.True(Validator.Validate(null, options).Succeeded);
        Assert.Equal(port, options.Port);
        Assert.Equal(tls, options.UsesTls);
    }

    [Theory]
    [InlineData("", "Mqtt:External:Url")]
    [InlineData("tcp://broker:1883", "Mqtt:External:Url")]
    [InlineData("mqtt://broker/path", "Mqtt:External:Url")]
    [InlineData("broker:1883", "Mqtt:External:Url")]
    public void A_url_that_is_not_an_mqtt_address_is_refused(string url, string setting) =>
        Assert.Contains(setting, Validator.Validate(null, new ExternalBrokerOptions { Url = url }).FailureMessage);

    [Fact]
    public void Settings_that_cannot_work_are_each_named()
    {
        var result = Validator.Validate(null, new ExternalBrokerOptions
        {
            Url = "mqtt://broker",
            Password = "secret",
            Group = "a/b",
            SessionExpiry = TimeSpan.FromMinutes(5),
            MaxInFlight = 0,
        });
        Assert.True(result.Failed);
        foreach (var setting in new[] { "Password", "Group", "SessionExpiry", "MaxInFlight" })
            Assert.Contains($"Mqtt:External:{setting}", result.FailureMessage);
    }
}
