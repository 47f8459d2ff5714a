using EdgeSync.Registry;

namespace EdgeSync.Api.Devices;

/// <summary>A device as the API shows it. <c>client_id</c> is the MQTT client id the broker requires: the username.</summary>
public sealed record DeviceView(
    Guid Id,
    Guid ProjectId,
    string Name,
    string ClientId,
    string MqttUsername,
    string TopicRoot,
    bool Connected,
    DateTimeOffset? LastSeenAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SecretRotatedAt)
{
    public static DeviceView From(Device device, IDevicePresence presence) => new(
        device.Id, device.ProjectId, device.Name, device.MqttUsername, device.MqttUsername, device.TopicRoot,
        presence.IsConnected(device), device.LastSeenAt, device.CreatedAt, device.SecretRotatedAt);
}

/// <summary>A device with its MQTT password (<c>secret</c>); returned only by creation and rotation (null in an idempotent replay of them).</summary>
public sealed record DeviceWithSecret(
    Guid Id,
    Guid ProjectId,
    string Name,
    string ClientId,
    string MqttUsername,
    string TopicRoot,
    bool Connected,
    DateTimeOffset? LastSeenAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SecretRotatedAt,
    string Secret)
{
    public static DeviceWithSecret From(Device device, string secret, IDevicePresence presence) => new(
        device.Id, device.ProjectId, device.Name, device.MqttUsername, device.MqttUsername, device.TopicRoot,
        presence.IsConnected(device), device.LastSeenAt, device.CreatedAt, device.SecretRotatedAt, secret);
}

/// <summary>The answer of DELETE …/devices/{device_id}.</summary>
public sealed record DeletedDevice(Guid DeviceId);
