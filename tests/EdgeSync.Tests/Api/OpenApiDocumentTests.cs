using System.Net;
using System.Text.Json.Nodes;
using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Api;

[Collection(NodeCollection.Name)]
public sealed class OpenApiDocumentTests(NodeFixture node)
{
    [Fact]
    public async Task Document_describes_the_endpoints_without_authentication()
    {
        using var anonymous = node.CreateClient();
        var response = await anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        var paths = document["paths"]!.AsObject();
        Assert.True(paths.ContainsKey("/core/api/v1/projects"));
        Assert.True(paths.ContainsKey("/core/api/v1/projects/{project_id}"));
        Assert.True(paths.ContainsKey("/core/api/v1/projects/{project_id}/devices"));
        Assert.True(paths.ContainsKey("/core/api/v1/projects/{project_id}/devices/{device_id}"));
        Assert.True(paths.ContainsKey("/core/api/v1/projects/{project_id}/devices/{device_id}/rotate-secret"));
        Assert.NotNull(document["components"]!["securitySchemes"]!["Bearer"]);

        var list = paths["/core/api/v1/projects/{project_id}/devices"]!["get"]!;
        var parameters = list["parameters"]!.AsArray().Select(p => (string)p!["name"]!).ToList();
        Assert.Contains("page", parameters);
        Assert.Contains("limit", parameters);
        Assert.Single(parameters, p => p == "page");

        var create = paths["/core/api/v1/projects"]!["post"]!;
        Assert.Contains("PLATFORM_ADMIN", (string?)create["description"]);
        Assert.NotNull(create["security"]);
        Assert.Contains(create["parameters"]!.AsArray(), p => (string?)p!["name"] == "Idempotency-Key");
        var schemas = document["components"]!["schemas"]!.AsObject();
        Assert.Contains(schemas, s => s.Value!["properties"]?["topic_slug"] is not null);
    }
}
