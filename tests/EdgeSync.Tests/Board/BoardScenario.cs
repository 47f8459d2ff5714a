using System.Net;
using EdgeSync.Tests.Infrastructure;
using MQTTnet;

namespace EdgeSync.Tests.Board;

/// <summary>
/// A project whose lineages are in the states an operator meets: active with a watermark, paused
/// for a schema review with staged rows, paused by backpressure, paused by an operator.
/// </summary>
public sealed class BoardScenario : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _devices = [];

    public required Guid ProjectId { get; init; }
    public required EdgeApi Api { get; init; }
    public required RegisteredDevice North { get; init; }
    public required RegisteredDevice South { get; init; }
    public Guid ActivePump { get; private set; }
    public Guid ReviewFan { get; private set; }
    public Guid BackpressureValve { get; private set; }
    public Guid OperatorPump { get; private set; }
    public TestDevice NorthMqtt { get; private set; } = null!;
    public SqliteSource Fans { get; } = new("fan", "id INTEGER PRIMARY KEY, rpm INTEGER");

    private static readonly object[] PumpActions =
    [
        new { source_column_name = "id", action = "mirror" },
        new { source_column_name = "rpm", action = "mirror" },
    ];

    public static async Task<BoardScenario> CreateAsync(NodeFixture node)
    {
        using var admin = node.CreateClient("PLATFORM_ADMIN");
        var projectId = await Fleet.CreateProjectAsync(admin, $"board{Guid.NewGuid():N}"[..14]);
        var north = await Fleet.RegisterDeviceAsync(admin, projectId, "gw-north-01");
        var south = await Fleet.RegisterDeviceAsync(admin, projectId, "gw-south-02");
        var api = new EdgeApi(node.CreateClient($"{projectId}:PROJECT_CAN_MANAGE_DEVICES"), projectId);
        var scenario = new BoardScenario { ProjectId = projectId, Api = api, North = north, South = south };
        await scenario.BuildAsync(node);
        return scenario;
    }

    private async Task BuildAsync(NodeFixture node)
    {
        var policy = await Api.PatchPolicyAsync(new { max_pending_rows_per_lineage = 5, resume_threshold_percent = 80 });
        Assert.Equal(HttpStatusCode.OK, policy.StatusCode);

        NorthMqtt = await North.ConnectAsync(node);
        _devices.Add(NorthMqtt);
        var southMqtt = await South.ConnectAsync(node);
        _devices.Add(southMqtt);

        // Active: the first pump's schema approved for the whole project, rows in the mirror.
        using var northPumps = new SqliteSource("pump", "id INTEGER PRIMARY KEY, rpm INTEGER");
        Rows(northPumps, 1, 3);
        await PublishAsync(NorthMqtt, northPumps);
        ActivePump = (await Api.LineageOfAsync(North.DeviceId, "pump")).GetProperty("id").GetGuid();
        var review = (await Api.OpenReviewAsync(ActivePump)).GetProperty("id").GetGuid();
        var claim = await Fleet.ReadDataAsync(await Api.PostAsync($"/schema-reviews/{review}/claim"));
        var approved = await Api.PostAsync($"/schema-reviews/{review}/approve",
            new { action_version = claim.GetProperty("action_version").GetInt32(), column_actions = PumpActions, scope = "project" });
        Assert.True(approved.IsSuccessStatusCode, await approved.Content.ReadAsStringAsync());
        await Api.WaitForBacklogDrainedAsync(ActivePump);

        // Paused for review, rows staged.
        Rows(Fans, 1, 2);
        await PublishAsync(NorthMqtt, Fans);
        ReviewFan = (await Api.LineageOfAsync(North.DeviceId, "fan")).GetProperty("id").GetGuid();

        // Backpressure: more staged rows than the policy allows.
        using var valves = new SqliteSource("valve", "id INTEGER PRIMARY KEY, rpm INTEGER");
        Rows(valves, 1, 4);
        await PublishAsync(southMqtt, valves);
        Rows(valves, 5, 4);
        await PublishAsync(southMqtt, valves);
        BackpressureValve = (await Api.LineageOfAsync(South.DeviceId, "valve")).GetProperty("id").GetGuid();
        await Eventually.GetAsync(() => Api.LineageAsync(BackpressureValve),
            l => l.GetProperty("pause_reasons").EnumerateArray().Any(r => r.GetString() == "backpressure"), what: "backpressure on the valve");

        // Paused by an operator: the second pump follows the project's decision, then is paused.
        using var southPumps = new SqliteSource("pump", "id INTEGER PRIMARY KEY, rpm INTEGER");
        Rows(southPumps, 1, 2);
        await PublishAsync(southMqtt, southPumps);
        OperatorPump = (await Api.LineageOfAsync(South.DeviceId, "pump")).GetProperty("id").GetGuid();
        await Eventually.GetAsync(() => Api.LineageAsync(OperatorPump), l => l.GetProperty("status").GetString() == "active", what: "the fleet decision to apply");
        Assert.Equal(HttpStatusCode.OK, (await Api.PostAsync($"/lineages/{OperatorPump}/pause", new { reason = "maintenance" })).StatusCode);
    }

    public static void Rows(SqliteSource source, long from, int count)
    {
        for (var id = from; id < from + count; id++)
            source.Upsert(new Dictionary<string, object?> { ["id"] = id, ["rpm"] = id * 10 });
    }

    public static async Task PublishAsync(TestDevice device, SqliteSource source)
        => Assert.Equal(MqttClientPublishReasonCode.Success, (await device.PublishAsync("sync/rows/batch", source.TakeBatch()!)).ReasonCode);

    public async ValueTask DisposeAsync()
    {
        foreach (var device in _devices)
            await device.DisposeAsync();
        Fans.Dispose();
        Api.Dispose();
    }
}

/// <summary>Tokens a test pastes on the login page.</summary>
public static class BoardTokens
{
    public static string Viewer(this NodeFixture node, Guid projectId) => node.MintToken($"{projectId}:PROJECT_CAN_VIEW_DEVICES");

    public static string Manager(this NodeFixture node, Guid projectId) => node.MintToken($"{projectId}:PROJECT_CAN_MANAGE_DEVICES");

    public static string Admin(this NodeFixture node) => node.MintToken("PLATFORM_ADMIN");
}
