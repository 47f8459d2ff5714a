using System.Net;
using System.Text.Json;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.Governance;

/// <summary>Every name SQLite allows can be approved; no text in a request makes the API answer 500.</summary>
[Collection(NodeCollection.Name)]
public sealed class IdentifierTests(NodeFixture node)
{
    public static TheoryData<string> SystemColumnNames() => ["xmin", "xmax", "cmin", "cmax", "ctid", "tableoid", "oid"];

    [Fact]
    public async Task Columns_named_like_PostgreSQL_system_columns_get_c_prefixed_mirror_names_and_can_be_approved()
    {
        string[] names = ["xmin", "xmax", "cmin", "cmax", "ctid", "tableoid", "oid"];
        var row = await ApproveAndMirrorAsync("sys_named", names);
        foreach (var name in names)
            Assert.Equal($"v-{name}", row.GetProperty($"c_{name}").GetString());
    }

    [Fact]
    public async Task An_empty_column_name_gets_the_mirror_name_underscore_and_can_be_approved()
    {
        var row = await ApproveAndMirrorAsync("empty_named", [""]);
        Assert.Equal("v-", row.GetProperty("_").GetString());
    }

    [Fact]
    public async Task An_empty_key_column_name_can_be_approved()
    {
        var row = await ApproveAndMirrorAsync("empty_key", ["xmin"], key: "");
        Assert.Equal(1, row.GetProperty("_").GetInt64());
        Assert.Equal("v-xmin", row.GetProperty("c_xmin").GetString());
    }

    /// <summary>A table with an INTEGER key and TEXT columns of these names, one row, every column mirrored by default.</summary>
    private async Task<JsonElement> ApproveAndMirrorAsync(string table, string[] names, string key = "id")
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        await using var mqtt = await device.ConnectAsync(node);
        using var source = new SqliteSource(table, $"{SqliteSource.Quote(key)} INTEGER PRIMARY KEY NOT NULL, " + string.Join(", ", names.Select(n => $"{SqliteSource.Quote(n)} TEXT")));
        source.Upsert(new Dictionary<string, object?> { [key] = 1L }.Concat(names.Select(n => KeyValuePair.Create(n, (object?)$"v-{n}"))).ToDictionary());
        Assert.Equal(MqttClientPublishReasonCode.Success, (await mqtt.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);

        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        var review = await api.OpenReviewAsync(lineageId);
        var actions = names.Prepend(key).Select(n => (object)new { source_column_name = n, action = "mirror" }).ToArray();
        Assert.Equal("approved", (await api.ApproveAsync(review.GetProperty("id").GetGuid(), actions)).GetProperty("state").GetString());

        await api.WaitForBacklogDrainedAsync(lineageId);
        return Assert.Single(await api.MirrorRowsAsync(lineageId));
    }

    [Theory]
    [InlineData("/edge/lineages?status=%00")]
    [InlineData("/edge/lineages?source_table=a%00b")]
    [InlineData("/edge/schema-reviews?status=%00")]
    [InlineData("/edge/rejections?code=%00")]
    public async Task A_query_filter_holding_U0000_answers_400_validation_failed(string query)
    {
        var project = await Fleet.CreateProjectAsync(node);
        using var client = node.CreateClient("PLATFORM_ADMIN");
        var response = await client.GetAsync($"/core/api/v1/projects/{project}{query}");
        await AssertValidationFailedAsync(response);
    }

    [Theory]
    [InlineData("name\\u0000")]
    [InlineData("\\ud800name")]
    public async Task A_project_name_holding_U0000_or_an_unpaired_surrogate_answers_400_validation_failed(string escapedName)
    {
        using var admin = node.CreateClient("PLATFORM_ADMIN");
        // Raw JSON: a serializer would replace the unpaired surrogate before it is sent.
        var body = new StringContent($$"""{"name":"{{escapedName}}","topic_slug":"p{{Guid.NewGuid():N}}"}""", System.Text.Encoding.UTF8, "application/json");
        await AssertValidationFailedAsync(await admin.PostAsync("/core/api/v1/projects", body));
    }

    [Fact]
    public async Task Review_and_pause_texts_holding_U0000_answer_400_validation_failed()
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        var (lineageId, reviewId) = await FirstBatchUnderReviewAsync(device, api);

        await AssertValidationFailedAsync(await api.PostAsync($"/schema-reviews/{reviewId}/reject", new { action_version = 1, reason = "no\u0000" }));
        await AssertValidationFailedAsync(await api.PostAsync($"/schema-reviews/{reviewId}/approve", new
        {
            action_version = 1,
            column_actions = new object[] { new { source_column_name = "id\u0000", action = "mirror" } },
        }));
        await AssertValidationFailedAsync(await api.PostAsync($"/lineages/{lineageId}/pause", new { reason = "stop\u0000" }));
    }

    [Theory]
    [MemberData(nameof(SystemColumnNames))]
    public async Task An_explicit_mirror_column_name_that_is_a_system_column_answers_400_validation_failed(string name)
    {
        var device = await Fleet.RegisterDeviceAsync(node);
        using var api = new EdgeApi(node.CreateClient($"{device.ProjectId}:PROJECT_CAN_MANAGE_DEVICES"), device.ProjectId);
        var (_, reviewId) = await FirstBatchUnderReviewAsync(device, api);

        var response = await api.PostAsync($"/schema-reviews/{reviewId}/approve", new
        {
            action_version = 1,
            column_actions = new object[]
            {
                new { source_column_name = "id", action = "mirror" },
                new { source_column_name = "mode", action = "mirror", mirror_column_name = name },
            },
        });
        await AssertValidationFailedAsync(response);
    }

    private static async Task AssertValidationFailedAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        using var problem = JsonDocument.Parse(text);
        Assert.Equal("validation_failed", problem.RootElement.GetProperty("code").GetString());
    }

    /// <summary>The device's first batch: its lineage and the review it waits for.</summary>
    private async Task<(Guid LineageId, Guid ReviewId)> FirstBatchUnderReviewAsync(RegisteredDevice device, EdgeApi api)
    {
        await using var mqtt = await device.ConnectAsync(node);
        Assert.Equal(MqttClientPublishReasonCode.Success,
            (await mqtt.PublishAsync("sync/rows/batch", new BatchPayloads().BatchJson(BatchPayloads.Inserts(1, 1)))).ReasonCode);
        var lineageId = (await api.LineageOfAsync(device.DeviceId)).GetProperty("id").GetGuid();
        return (lineageId, (await api.OpenReviewAsync(lineageId)).GetProperty("id").GetGuid());
    }
}
