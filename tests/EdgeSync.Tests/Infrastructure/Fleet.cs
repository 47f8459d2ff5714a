using System.Net.Http.Json;
using System.Text.Json;
using MQTTnet.Formatter;

namespace EdgeSync.Tests.Infrastructure;

public sealed record RegisteredDevice(Guid ProjectId, string TopicSlug, Guid DeviceId, string Name, string Username, string Secret, string TopicRoot);

/// <summary>Registers projects and devices the way an operator does: over the HTTP API.</summary>
public static class Fleet
{
    public static async Task<Guid> CreateProjectAsync(NodeFixture node, string? slug = null)
    {
        using var admin = node.CreateClient("PLATFORM_ADMIN");
        return await CreateProjectAsync(admin, slug);
    }

    public static async Task<Guid> CreateProjectAsync(HttpClient admin, string? slug = null)
    {
        slug ??= $"p{Guid.NewGuid():N}"[..12];
        var response = await admin.PostAsJsonAsync("/core/api/v1/projects", new { name = $"Project {slug}", topic_slug = slug });
        var body = await ReadDataAsync(response);
        return body.GetProperty("id").GetGuid();
    }

    public static async Task<RegisteredDevice> RegisterDeviceAsync(NodeFixture node, Guid? projectId = null, string? name = null)
    {
        var project = projectId ?? await CreateProjectAsync(node);
        using var admin = node.CreateClient("PLATFORM_ADMIN");
        return await RegisterDeviceAsync(admin, project, name);
    }

    /// <summary>Registers a device (and a project for it unless given) through an admin client.</summary>
    public static async Task<RegisteredDevice> RegisterDeviceAsync(HttpClient admin, Guid? projectId = null, string? name = null)
    {
        var project = projectId ?? await CreateProjectAsync(admin);
        var projectBody = await ReadDataAsync(await admin.GetAsync($"/core/api/v1/projects/{project}"));
        name ??= $"gw-{Guid.NewGuid():N}"[..11];
        var response = await admin.PostAsJsonAsync($"/core/api/v1/projects/{project}/devices", new { name });
        var device = await ReadDataAsync(response);
        return new RegisteredDevice(project, projectBody.GetProperty("topic_slug").GetString()!,
            device.GetProperty("id").GetGuid(), name, device.GetProperty("mqtt_username").GetString()!,
            device.GetProperty("secret").GetString()!, device.GetProperty("topic_root").GetString()!);
    }

    public static Task<TestDevice> ConnectAsync(this RegisteredDevice device, NodeFixture node, MqttProtocolVersion version = MqttProtocolVersion.V500) =>
        TestDevice.ConnectAsync(node.MqttPort, device.Username, device.Username, device.Secret, device.TopicRoot, version);

    public static async Task<JsonElement> ReadDataAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}: {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("data").Clone();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"{(int)response.StatusCode} {url}: {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
