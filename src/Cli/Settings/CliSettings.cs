using System.Text.Json.Serialization;

namespace EdgeSync.Cli.Settings;

/// <summary>What <c>edgesync login</c> and <c>edgesync context set</c> remember between runs.</summary>
public sealed record CliSettings
{
    /// <summary>Where the API is served, without the <c>/core/api/v1</c> base path (a gateway's path base is kept).</summary>
    [JsonPropertyName("api_url")] public string? ApiUrl { get; init; }

    [JsonPropertyName("token")] public string? Token { get; init; }

    [JsonPropertyName("project_id")] public Guid? ProjectId { get; init; }
}
