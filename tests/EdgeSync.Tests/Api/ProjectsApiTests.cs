using System.Net;
using EdgeSync.Tests.Infrastructure;
using static EdgeSync.Tests.Api.ApiTestHelpers;

namespace EdgeSync.Tests.Api;

[Collection(NodeCollection.Name)]
public sealed class ProjectsApiTests(NodeFixture node)
{
    [Fact]
    public async Task Admin_creates_a_project_with_the_default_policy_and_a_viewer_reads_it()
    {
        var slug = UniqueSlug();
        using var admin = node.CreateClient(Admin);
        var created = await admin.PostJsonAsync($"{Base}/projects", new { name = "Plant Köln", topic_slug = slug });
        var json = await created.AssertOkAsync(HttpStatusCode.Created);

        var data = json["data"]!;
        var id = Guid.Parse((string)data["id"]!);
        Assert.Equal("Plant Köln", (string?)data["name"]);
        Assert.Equal(slug, (string?)data["topic_slug"]);
        Assert.Equal(100_000, (long?)data["policy"]!["max_pending_rows_per_lineage"]);
        Assert.False((bool?)data["policy"]!["allow_additive_continue"]);
        Assert.EndsWith("Z", (string?)data["created_at"]);
        Assert.Equal($"{Base}/projects/{id}", created.Headers.Location?.OriginalString);

        using var viewer = node.CreateClient(View(id));
        var read = await (await viewer.GetAsync($"{Base}/projects/{id}")).AssertOkAsync();
        Assert.Equal(slug, (string?)read["data"]!["topic_slug"]);
        Assert.Equal(id.ToString(), (string?)read["data"]!["id"]);
    }

    [Fact]
    public async Task Topic_slug_is_unique()
    {
        var (_, slug) = await node.CreateProjectAsync();
        using var admin = node.CreateClient(Admin);
        var again = await admin.PostJsonAsync($"{Base}/projects", new { name = "other", topic_slug = slug });
        await again.AssertProblemAsync(HttpStatusCode.Conflict, "topic_slug_taken");
    }

    [Fact]
    public async Task Empty_topic_slug_is_allowed_once()
    {
        using var admin = node.CreateClient(Admin);
        var first = await admin.PostJsonAsync($"{Base}/projects", new { name = "slugless", topic_slug = "" });
        // Another test class of the collection may already own the empty slug.
        Assert.True(first.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"{first.StatusCode}");
        var second = await admin.PostJsonAsync($"{Base}/projects", new { name = "slugless too", topic_slug = "" });
        await second.AssertProblemAsync(HttpStatusCode.Conflict, "topic_slug_taken");
    }

    [Fact]
    public async Task Creating_a_project_needs_platform_admin()
    {
        var (id, _) = await node.CreateProjectAsync();
        using var manager = node.CreateClient(Manage(id));
        var response = await manager.PostJsonAsync($"{Base}/projects", new { name = "x", topic_slug = UniqueSlug() });
        await response.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Unknown_project_is_404_for_granted_callers_and_403_for_others()
    {
        var missing = Guid.NewGuid();
        using var admin = node.CreateClient(Admin);
        await (await admin.GetAsync($"{Base}/projects/{missing}")).AssertProblemAsync(HttpStatusCode.NotFound, "project_not_found");

        using var granted = node.CreateClient(View(missing));
        await (await granted.GetAsync($"{Base}/projects/{missing}")).AssertProblemAsync(HttpStatusCode.NotFound, "project_not_found");

        var (other, _) = await node.CreateProjectAsync();
        using var stranger = node.CreateClient(Manage(other));
        await (await stranger.GetAsync($"{Base}/projects/{missing}")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }
}
