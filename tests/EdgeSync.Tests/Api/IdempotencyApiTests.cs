using System.Net;
using EdgeSync.Api.Idempotency;
using EdgeSync.Registry;
using EdgeSync.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static EdgeSync.Tests.Api.ApiTestHelpers;

namespace EdgeSync.Tests.Api;

[Collection(NodeCollection.Name)]
public sealed class IdempotencyApiTests(NodeFixture node)
{
    [Fact]
    public async Task Same_key_and_request_replays_the_stored_response()
    {
        var slug = UniqueSlug("idem");
        var key = Guid.NewGuid().ToString();
        using var admin = node.CreateClient(Admin);

        var first = await admin.PostJsonAsync($"{Base}/projects", new { name = "idem", topic_slug = slug }, key);
        var firstBody = await first.AssertOkAsync(HttpStatusCode.Created);
        Assert.False(first.Headers.Contains(IdempotencyFilter.ReplayedHeaderName));

        var second = await admin.PostJsonAsync($"{Base}/projects", new { name = "idem", topic_slug = slug }, key);
        var secondBody = await second.AssertOkAsync(HttpStatusCode.Created);
        Assert.Equal("true", second.Headers.GetValues(IdempotencyFilter.ReplayedHeaderName).Single());
        Assert.Equal(firstBody.ToJsonString(), secondBody.ToJsonString());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal("application/json", second.Content.Headers.ContentType?.MediaType);

        await using var session = node.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Equal(1, await session.Query<Project>().CountAsync(p => p.TopicSlug == slug));
    }

    [Fact]
    public async Task Same_key_with_a_different_request_is_422()
    {
        var key = Guid.NewGuid().ToString();
        using var admin = node.CreateClient(Admin);
        await (await admin.PostJsonAsync($"{Base}/projects", new { name = "a", topic_slug = UniqueSlug() }, key))
            .AssertOkAsync(HttpStatusCode.Created);
        await (await admin.PostJsonAsync($"{Base}/projects", new { name = "b", topic_slug = UniqueSlug() }, key))
            .AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency_key_reused");
    }

    [Fact]
    public async Task Keys_are_scoped_to_caller_and_project()
    {
        var (a, _) = await node.CreateProjectAsync();
        var (b, _) = await node.CreateProjectAsync();
        var key = "shared-key-" + Guid.NewGuid().ToString("N");
        using var manager = node.CreateClient(Manage(a), Manage(b));

        var inA = await (await manager.PostJsonAsync($"{Base}/projects/{a}/devices", new { name = "edge" }, key)).AssertOkAsync(HttpStatusCode.Created);
        var inB = await (await manager.PostJsonAsync($"{Base}/projects/{b}/devices", new { name = "edge" }, key)).AssertOkAsync(HttpStatusCode.Created);
        Assert.NotEqual((string?)inA["data"]!["id"], (string?)inB["data"]!["id"]);

        // Another caller (subject) with the same key in the same project is not a replay.
        var otherToken = node.MintFor("someone-else", Manage(a));
        using var other = node.CreateClient();
        other.DefaultRequestHeaders.Authorization = new("Bearer", otherToken);
        var response = await other.PostJsonAsync($"{Base}/projects/{a}/devices", new { name = "edge-2" }, key);
        await response.AssertOkAsync(HttpStatusCode.Created);
        Assert.False(response.Headers.Contains(IdempotencyFilter.ReplayedHeaderName));
    }

    [Fact]
    public async Task Rotation_replay_answers_without_the_secret_and_the_first_one_stays_valid()
    {
        var (projectId, _) = await node.CreateProjectAsync();
        var id = (string)(await node.CreateDeviceAsync(projectId, "rot"))["id"]!;
        var key = Guid.NewGuid().ToString();
        using var manager = node.CreateClient(Manage(projectId));
        var url = $"{Base}/projects/{projectId}/devices/{id}/rotate-secret";

        var first = await (await manager.PostJsonAsync(url, new { }, key)).AssertOkAsync();
        var replay = await (await manager.PostJsonAsync(url, new { }, key)).AssertOkAsync();
        var secret = (string)first["data"]!["secret"]!;
        Assert.Null(replay["data"]!["secret"]);
        Assert.Equal(id, (string?)replay["data"]!["id"]);

        await using var session = node.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var device = await session.LoadAsync<Device>(Guid.Parse(id));
        Assert.True(DeviceSecret.Verify(secret, device!.SecretHash));
    }

    [Fact]
    public async Task Handler_conflicts_are_stored_but_validation_failures_are_not()
    {
        var (projectId, _) = await node.CreateProjectAsync();
        await node.CreateDeviceAsync(projectId, "taken");
        using var admin = node.CreateClient(Admin);

        var key = Guid.NewGuid().ToString();
        await (await admin.PostJsonAsync($"{Base}/projects/{projectId}/devices", new { name = "bad name" }, key))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        // The key was not consumed by the invalid request.
        await (await admin.PostJsonAsync($"{Base}/projects/{projectId}/devices", new { name = "fine" }, key))
            .AssertOkAsync(HttpStatusCode.Created);

        var conflictKey = Guid.NewGuid().ToString();
        await (await admin.PostJsonAsync($"{Base}/projects/{projectId}/devices", new { name = "taken" }, conflictKey))
            .AssertProblemAsync(HttpStatusCode.Conflict, "device_name_taken");
        var replayed = await admin.PostJsonAsync($"{Base}/projects/{projectId}/devices", new { name = "taken" }, conflictKey);
        await replayed.AssertProblemAsync(HttpStatusCode.Conflict, "device_name_taken");
        Assert.True(replayed.Headers.Contains(IdempotencyFilter.ReplayedHeaderName));
    }

    [Fact]
    public async Task Malformed_keys_are_rejected()
    {
        using var admin = node.CreateClient(Admin);
        var problem = await (await admin.PostJsonAsync($"{Base}/projects", new { name = "k", topic_slug = UniqueSlug() }, new string('k', 300)))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem["errors"]!.AsObject().ContainsKey(IdempotencyFilter.HeaderName));
    }
}
