using System.Net;
using EdgeSync.Tests.Infrastructure;
using static EdgeSync.Tests.Api.ApiTestHelpers;

namespace EdgeSync.Tests.Api;

[Collection(NodeCollection.Name)]
public sealed class ValidationApiTests(NodeFixture node)
{
    [Fact]
    public async Task Every_invalid_field_is_reported_at_once()
    {
        using var admin = node.CreateClient(Admin);
        var response = await admin.PostJsonAsync($"{Base}/projects", new { name = "", topic_slug = "Not A Slug!" });
        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var errors = problem["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("name"), problem.ToJsonString());
        Assert.True(errors.ContainsKey("topic_slug"), problem.ToJsonString());
        Assert.Contains("topic_slug", (string?)errors["topic_slug"]![0]);

        var missing = await admin.PostRawAsync($"{Base}/projects", "{}");
        var missingErrors = (await missing.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))["errors"]!.AsObject();
        Assert.True(missingErrors.ContainsKey("name"));
        Assert.True(missingErrors.ContainsKey("topic_slug"));

        var tooLong = await admin.PostJsonAsync($"{Base}/projects", new { name = "ok", topic_slug = new string('a', 64) });
        Assert.True((await tooLong.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed"))["errors"]!.AsObject().ContainsKey("topic_slug"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-leading-dash")]
    [InlineData("has space")]
    [InlineData("slash/name")]
    [InlineData("x123456789012345678901234567890123456789012345678901234567890abcd")]
    public async Task Invalid_device_names_are_400(string name)
    {
        var (projectId, _) = await node.CreateProjectAsync();
        using var admin = node.CreateClient(Admin);
        var problem = await (await admin.PostJsonAsync($"{Base}/projects/{projectId}/devices", new { name }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem["errors"]!.AsObject().ContainsKey("name"));
    }

    [Theory]
    [InlineData("page=0&limit=0", new[] { "page", "limit" })]
    [InlineData("limit=501", new[] { "limit" })]
    [InlineData("page=-1", new[] { "page" })]
    [InlineData("page=abc&limit=x", new[] { "page", "limit" })]
    public async Task Invalid_paging_is_400(string query, string[] fields)
    {
        var (projectId, _) = await node.CreateProjectAsync();
        using var viewer = node.CreateClient(View(projectId));
        var problem = await (await viewer.GetAsync($"{Base}/projects/{projectId}/devices?{query}"))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        var errors = problem["errors"]!.AsObject();
        Assert.Equal(fields.Order(), errors.Select(e => e.Key).Order());
    }

    [Fact]
    public async Task Limit_500_is_accepted()
    {
        var (projectId, _) = await node.CreateProjectAsync();
        using var viewer = node.CreateClient(View(projectId));
        var json = await (await viewer.GetAsync($"{Base}/projects/{projectId}/devices?limit=500")).AssertOkAsync();
        Assert.Equal(500, (int?)json["meta"]!["items_per_page"]);
        Assert.Equal(0, (int?)json["meta"]!["total_pages"]);
    }

    [Fact]
    public async Task Malformed_json_is_a_validation_problem()
    {
        using var admin = node.CreateClient(Admin);
        var broken = await admin.PostRawAsync($"{Base}/projects", "{\"name\": ");
        await broken.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");

        var wrongType = await admin.PostRawAsync($"{Base}/projects", "{\"name\": 42, \"topic_slug\": \"x\"}");
        var problem = await wrongType.AssertProblemAsync(HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem["errors"]!.AsObject().ContainsKey("name"), problem.ToJsonString());
    }

    [Fact]
    public async Task Unknown_routes_are_not_found_problems()
    {
        using var admin = node.CreateClient(Admin);
        await (await admin.GetAsync($"{Base}/nothing-here")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await admin.GetAsync($"{Base}/projects/not-a-uuid")).AssertProblemAsync(HttpStatusCode.NotFound, "not_found");
    }
}
