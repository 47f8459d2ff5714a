using System.Net;
using System.Text.Json.Nodes;
using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Api;

/// <summary>
/// The OpenAPI document is usable for generated clients: every operation named, summarised and
/// typed, its errors described as problem details; operational routes are not in it.
/// </summary>
[Collection(NodeCollection.Name)]
public sealed class OpenApiLintTests(NodeFixture node)
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    private async Task<JsonNode> DocumentAsync()
    {
        using var anonymous = node.CreateClient();
        var response = await anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
    }

    private static IEnumerable<(string Path, string Method, JsonObject Operation)> Operations(JsonNode document)
    {
        foreach (var (path, item) in document["paths"]!.AsObject())
            foreach (var method in Methods)
                if (item![method] is JsonObject operation)
                    yield return (path, method, operation);
    }

    [Fact]
    public async Task Every_operation_has_a_unique_operation_id_a_summary_a_typed_success_and_problem_details_errors()
    {
        var document = await DocumentAsync();
        var problems = new List<string>();
        var ids = new Dictionary<string, string>();
        foreach (var (path, method, operation) in Operations(document))
        {
            var name = $"{method.ToUpperInvariant()} {path}";
            var id = (string?)operation["operationId"];
            if (string.IsNullOrWhiteSpace(id))
                problems.Add($"{name}: no operationId");
            else if (!ids.TryAdd(id, name))
                problems.Add($"{name}: operationId {id} also used by {ids[id]}");
            if (string.IsNullOrWhiteSpace((string?)operation["summary"]))
                problems.Add($"{name}: no summary");

            var responses = operation["responses"]?.AsObject() ?? [];
            var success = responses.Where(r => r.Key.StartsWith('2')).ToList();
            if (success.Count == 0)
                problems.Add($"{name}: no 2xx response");
            foreach (var (status, response) in success)
            {
                if (status is "204" or "202" && response!["content"] is null)
                    continue;
                if (response!["content"]?.AsObject().Select(c => c.Value!["schema"]).FirstOrDefault(s => s is not null) is not { } schema
                    || (schema["$ref"] is null && schema["type"] is null && schema["oneOf"] is null && schema["allOf"] is null))
                    problems.Add($"{name}: {status} has no schema");
            }

            var errors = responses.Where(r => r.Key[0] is '4' or '5').ToList();
            if (!errors.Any(r => r.Key == "429"))
                problems.Add($"{name}: no 429 response");
            if (operation["security"] is not null && !errors.Any(r => r.Key == "401"))
                problems.Add($"{name}: secured but no 401 response");
            foreach (var (status, response) in errors)
                if (response!["content"]?["application/problem+json"]?["schema"] is null)
                    problems.Add($"{name}: {status} is not problem details");
        }
        var problemSchema = document["components"]!["schemas"]!["ProblemDetails"]!;
        if (problemSchema["properties"]?["code"] is null || problemSchema["required"]?.AsArray().Any(r => (string?)r == "code") != true)
            problems.Add("ProblemDetails does not declare its required `code`");
        Assert.True(problems.Count == 0, $"{problems.Count} problems:\n{string.Join('\n', problems)}");
    }

    [Fact]
    public async Task Operational_routes_are_not_in_the_document()
    {
        var paths = (await DocumentAsync())["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.NotEmpty(paths);
        Assert.DoesNotContain(paths, p => p.StartsWith("/dashboard", StringComparison.Ordinal)
                                          || p.StartsWith("/health", StringComparison.Ordinal)
                                          || p.StartsWith("/metrics", StringComparison.Ordinal)
                                          || p.StartsWith("/openapi", StringComparison.Ordinal));
        Assert.All(paths, p => Assert.StartsWith("/core/api/v1/", p));
    }
}
