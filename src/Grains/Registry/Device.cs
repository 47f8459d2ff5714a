namespace EdgeSync.Registry;

/// <summary>A device of a project. Its name is unique in the project and part of its MQTT username, client id and topic root.</summary>
public sealed class Device
{
    public Guid Id { get; set; }
    public Guid ProjectId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The project's topic slug when the device was registered; slugs do not change.</summary>
    public string TopicSlug { get; set; } = "";
    public string SecretHash { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SecretRotatedAt { get; set; }
    public DateTimeOffset? LastSeenAt { get; set; }
    public bool Connected { get; set; }
    /// <summary>The node (its Orleans silo address) that accepted the connection <see cref="Connected"/> records.</summary>
    public string? ConnectedVia { get; set; }

    /// <summary>The MQTT username the embedded broker expects; also the only client id it accepts. Unique across projects.</summary>
    public string MqttUsername => $"{TopicSlug}/{Name}";

    /// <summary>Topic root; a project without slug yields a leading slash.</summary>
    public string TopicRoot => $"{TopicSlug}/{Name}";
}
