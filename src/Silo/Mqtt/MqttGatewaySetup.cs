using EdgeSync.Api.Devices;
using EdgeSync.Silo.Hosting;
using EdgeSync.Silo.Mqtt.External;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeSync.Silo.Mqtt;

public static class MqttGatewaySetup
{
    /// <summary>The gateway and control dispatch, with the broker <c>Mqtt:Mode</c> names: <c>embedded</c> (default) or <c>external</c>.</summary>
    public static IServiceCollection AddMqttGateway(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<DeviceDirectory>();
        services.AddSingleton<IngestGateway>();
        services.AddSingleton<IngestMetrics>();
        if (configuration.GetValue("Mqtt:Mode", MqttMode.Embedded) == MqttMode.External)
            services.AddExternalBroker(configuration);
        else
            services.AddEmbeddedBroker();
        services.AddHostedService<ControlDispatcher>();
        return services;
    }

    private static void AddEmbeddedBroker(this IServiceCollection services)
    {
        services.AddSingleton<EmbeddedBroker>();
        services.AddSingleton<ConnectedDevices>();
        services.AddSingleton<IDeviceLink, EmbeddedDeviceLink>();
        services.AddHostedService(sp => sp.GetRequiredService<EmbeddedBroker>());
        services.AddHostedService<CredentialWatch>();
    }

    private static void AddExternalBroker(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ExternalBrokerOptions>().Bind(configuration.GetSection(ExternalBrokerOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ExternalBrokerOptions>, ExternalBrokerOptionsValidator>();
        services.AddSingleton(new NodeClientIds(
            configuration.GetValue("Orleans:ClusterId", new OrleansNodeOptions().ClusterId)!,
            configuration["Node:Name"] is { Length: > 0 } name ? name : Environment.MachineName));
        services.AddSingleton<TopicDevices>();
        services.AddSingleton<UplinkPresence>();
        services.AddSingleton<ExternalBroker>();
        services.AddSingleton<IDeviceLink, ExternalDeviceLink>();
        services.AddSingleton<DynamicSecurity>();
        services.AddSingleton<DynamicSecurityAccounts>();
        services.Replace(ServiceDescriptor.Singleton<IBrokerAccounts>(sp => sp.GetRequiredService<DynamicSecurityAccounts>()));
        services.AddHostedService(sp => sp.GetRequiredService<DynamicSecurity>());
        services.AddHostedService(sp => sp.GetRequiredService<ExternalBroker>());
        services.AddHostedService<BrokerAccountsReconciliation>();
    }
}
