namespace EdgeSync.Registry;

/// <summary>A tenant. Its topic slug is the first level of every device topic.</summary>
public sealed class Project
{
    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    /// <summary>Empty for a project whose devices publish under <c>/{device_name}</c>.</summary>
    public string TopicSlug { get; set; } = "";
    public EdgePolicy Policy { get; set; } = new();
    public DateTimeOffset CreatedAt { get; set; }
}
