using System.Net;
using EdgeSync.Registry;
using EdgeSync.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static EdgeSync.Tests.Api.ApiTestHelpers;

namespace EdgeSync.Tests.Api;

[Collection(NodeCollection.Name)]
public sealed class DevicesApiTests(NodeFixture node)
{
    private async Task<Device> LoadDeviceAsync(Guid id)
    {
        await using var session = node.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await session.LoadAsync<Device>(id) ?? throw new InvalidOperationException("device not stored");
    }

    [Fact]
    public async Task Registering_a_device_returns_its_mqtt_identity_and_a_secret_stored_only_as_hash()
    {
        var (projectId, slug) = await node.CreateProjectAsync();
        using var manager = node.CreateClient(Manage(projectId));
        var response = await manager.PostJsonAsync($"{Base}/projects/{projectId}/devices", new { name = "gw-01.line_A" });
        var data = (await response.AssertOkAsync(HttpStatusCode.Created))["data"]!;

        var id = Guid.Parse((string)data["id"]!);
        var secret = (string)data["secret"]!;
        Assert.Equal("gw-01.line_A", (string?)data["name"]);
        Assert.Equal((string?)data["mqtt_username"], (string?)data["client_id"]);
        Assert.Equal($"{slug}/gw-01.line_A", (string?)data["mqtt_username"]);
        Assert.Equal($"{slug}/gw-01.line_A", (string?)data["topic_root"]);
        Assert.Equal(projectId.ToString(), (string?)data["project_id"]);
        Assert.False((bool?)data["connected"]);
        Assert.Equal($"{Base}/projects/{projectId}/devices/{id}", response.Headers.Location?.OriginalString);

        var stored = await LoadDeviceAsync(id);
        Assert.Equal(slug, stored.TopicSlug);
        Assert.NotEqual(secret, stored.SecretHash);
        Assert.True(DeviceSecret.Verify(secret, stored.SecretHash));

        // The secret is shown once: reads never carry it.
        var read = await (await manager.GetAsync($"{Base}/projects/{projectId}/devices/{id}")).AssertOkAsync();
        Assert.Null(read["data"]!["secret"]);
        Assert.DoesNotContain(secret, read.ToJsonString());
    }

    [Fact]
    public async Task Device_name_is_unique_within_a_project_only()
    {
        var (a, _) = await node.CreateProjectAsync();
        var (b, _) = await node.CreateProjectAsync();
        await node.CreateDeviceAsync(a, "dup");
        using var admin = node.CreateClient(Admin);
        await (await admin.PostJsonAsync($"{Base}/projects/{a}/devices", new { name = "dup" }))
            .AssertProblemAsync(HttpStatusCode.Conflict, "device_name_taken");
        await (await admin.PostJsonAsync($"{Base}/projects/{b}/devices", new { name = "dup" }))
            .AssertOkAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Get_device_shows_connection_state()
    {
        var (projectId, _) = await node.CreateProjectAsync();
        var created = await node.CreateDeviceAsync(projectId, "kiosk");
        using var viewer = node.CreateClient(View(projectId));
        var data = (await (await viewer.GetAsync($"{Base}/projects/{projectId}/devices/{created["id"]}")).AssertOkAsync())["data"]!;
        Assert.Equal("kiosk", (string?)data["name"]);
        Assert.False((bool?)data["connected"]);
        Assert.True(data.AsObject().ContainsKey("last_seen_at"));
        Assert.Null(data["last_seen_at"]);
    }

    [Fact]
    public async Task List_is_ordered_by_name_and_paginated()
    {
        var (projectId, _) = await node.CreateProjectAsync();
        foreach (var name in new[] { "charlie", "alpha", "bravo" })
            await node.CreateDeviceAsync(projectId, name);
        using var viewer = node.CreateClient(View(projectId));

        var first = await (await viewer.GetAsync($"{Base}/projects/{projectId}/devices?limit=2")).AssertOkAsync();
        Assert.Equal(["alpha", "bravo"], first["data"]!.AsArray().Select(d => (string)d!["name"]!));
        var meta = first["meta"]!;
        Assert.Equal(1, (int?)meta["current_page"]);
        Assert.Equal(2, (int?)meta["items_per_page"]);
        Assert.Equal(3, (int?)meta["total_items"]);
        Assert.Equal(2, (int?)meta["total_pages"]);

        var second = await (await viewer.GetAsync($"{Base}/projects/{projectId}/devices?page=2&limit=2")).AssertOkAsync();
        Assert.Equal(["charlie"], second["data"]!.AsArray().Select(d => (string)d!["name"]!));
        Assert.Equal(2, (int?)second["meta"]!["current_page"]);

        var beyond = await (await viewer.GetAsync($"{Base}/projects/{projectId}/devices?page=5&limit=2")).AssertOkAsync();
        Assert.Empty(beyond["data"]!.AsArray());
        Assert.Equal(3, (int?)beyond["meta"]!["total_items"]);

        var defaults = await (await viewer.GetAsync($"{Base}/projects/{projectId}/devices")).AssertOkAsync();
        Assert.Equal(50, (int?)defaults["meta"]!["items_per_page"]);
        Assert.Equal(3, defaults["data"]!.AsArray().Count);
        Assert.All(defaults["data"]!.AsArray(), d => Assert.Null(d!["secret"]));
    }

    [Fact]
    public async Task Rotating_the_secret_invalidates_the_old_one()
    {
        var (projectId, _) = await node.CreateProjectAsync();
        var created = await node.CreateDeviceAsync(projectId, "rotor");
        var id = Guid.Parse((string)created["id"]!);
        var oldSecret = (string)created["secret"]!;

        using var manager = node.CreateClient(Manage(projectId));
        var rotated = await (await manager.PostAsync($"{Base}/projects/{projectId}/devices/{id}/rotate-secret", null)).AssertOkAsync();
        var newSecret = (string)rotated["data"]!["secret"]!;
        Assert.NotEqual(oldSecret, newSecret);
        Assert.NotNull((string?)rotated["data"]!["secret_rotated_at"]);

        var stored = await LoadDeviceAsync(id);
        Assert.True(DeviceSecret.Verify(newSecret, stored.SecretHash));
        Assert.False(DeviceSecret.Verify(oldSecret, stored.SecretHash));
        Assert.Equal("rotor", stored.Name);
    }

    [Fact]
    public async Task Another_projects_device_is_404_as_if_missing()
    {
        var (a, _) = await node.CreateProjectAsync();
        var (b, _) = await node.CreateProjectAsync();
        var deviceOfA = (string)(await node.CreateDeviceAsync(a, "mine"))["id"]!;

        using var managerOfBoth = node.CreateClient(Manage(a), Manage(b));
        await (await managerOfBoth.GetAsync($"{Base}/projects/{b}/devices/{deviceOfA}"))
            .AssertProblemAsync(HttpStatusCode.NotFound, "device_not_found");
        await (await managerOfBoth.PostAsync($"{Base}/projects/{b}/devices/{deviceOfA}/rotate-secret", null))
            .AssertProblemAsync(HttpStatusCode.NotFound, "device_not_found");
        await (await managerOfBoth.GetAsync($"{Base}/projects/{b}/devices/{Guid.NewGuid()}"))
            .AssertProblemAsync(HttpStatusCode.NotFound, "device_not_found");
    }

    [Fact]
    public async Task View_grant_reads_but_does_not_manage_and_manage_implies_view()
    {
        var (projectId, _) = await node.CreateProjectAsync();
        using var viewer = node.CreateClient(View(projectId));
        await (await viewer.GetAsync($"{Base}/projects/{projectId}/devices")).AssertOkAsync();
        await (await viewer.PostJsonAsync($"{Base}/projects/{projectId}/devices", new { name = "nope" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");

        using var manager = node.CreateClient(Manage(projectId));
        await (await manager.GetAsync($"{Base}/projects/{projectId}/devices")).AssertOkAsync();
        await (await manager.GetAsync($"{Base}/projects/{projectId}")).AssertOkAsync();
    }
}
