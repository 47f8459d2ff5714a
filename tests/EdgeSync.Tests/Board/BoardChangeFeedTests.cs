using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using EdgeSync.Tests.Infrastructure;

namespace EdgeSync.Tests.Board;

/// <summary>The board's change feed: every lineage event of the project, resumable, for viewers of the project only.</summary>
[Collection(BoardCollection.Name)]
public sealed class BoardChangeFeedTests(BoardFixture fixture)
{
    private NodeFixture Node => fixture.Node;

    [Fact]
    public async Task The_change_feed_carries_every_lineage_event_including_those_that_are_not_notifications()
    {
        var device = await Fleet.RegisterDeviceAsync(Node);
        await using (var mqtt = await device.ConnectAsync(Node))
        {
            using var source = new SqliteSource("meter", "id INTEGER PRIMARY KEY, kwh REAL");
            source.Upsert(new Dictionary<string, object?> { ["id"] = 1, ["kwh"] = 1.5 });
            await BoardScenario.PublishAsync(mqtt, source);
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Node.Viewer(device.ProjectId));
        using var response = await http.GetAsync(fixture.Url($"/board/api/projects/{device.ProjectId}/changes?after=0"), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var types = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!types.Contains("batch_staged"))
        {
            var line = await reader.ReadLineAsync(timeout.Token) ?? throw new EndOfStreamException();
            if (line.StartsWith("event: ", StringComparison.Ordinal))
                Assert.Equal("change", line["event: ".Length..]);
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                using var data = JsonDocument.Parse(line["data: ".Length..]);
                Assert.Equal("meter", data.RootElement.GetProperty("source_table").GetString());
                types.Add(data.RootElement.GetProperty("type").GetString()!);
            }
        }
        Assert.Equal("lineage_created", types[0]);
        Assert.Contains("review_queued", types);
    }

    [Fact]
    public async Task The_change_feed_refuses_a_malformed_resume_position_and_other_projects()
    {
        var mine = await Fleet.CreateProjectAsync(Node);
        var other = await Fleet.CreateProjectAsync(Node);
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Node.Viewer(mine));

        var request = new HttpRequestMessage(HttpMethod.Get, fixture.Url($"/board/api/projects/{mine}/changes"));
        request.Headers.Add("Last-Event-ID", "not-a-number");
        var bad = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("validation_failed", await bad.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(fixture.Url($"/board/api/projects/{mine}/changes?after=-1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(fixture.Url($"/board/api/projects/{other}/changes"))).StatusCode);
    }
}
