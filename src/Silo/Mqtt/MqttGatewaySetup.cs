namespace EdgeSync.Silo.Mqtt;

public static class MqttGatewaySetup
{
    public static IServiceCollection AddMqttGateway(this IServiceCollection services)
    {
        services.AddSingleton<DeviceDirectory>();
        services.AddSingleton<IngestGateway>();
        services.AddSingleton<IngestMetrics>();
        services.AddSingleton<EmbeddedBroker>();
        services.AddSingleton<ConnectedDevices>();
        services.AddSingleton<IDeviceLink, EmbeddedDeviceLink>();
        services.AddHostedService(sp => sp.GetRequiredService<EmbeddedBroker>());
        services.AddHostedService<ControlDispatcher>();
        services.AddHostedService<CredentialWatch>();
        return services;
    }
}
