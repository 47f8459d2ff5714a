using System.Text.Json;
using EdgeSync.Mirrors;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using static EdgeSync.Tests.Mirrors.Changes;

namespace EdgeSync.Tests.Mirrors;

/// <summary>The service tables as Marten's migration creates them (edge_telemetry_points among them).</summary>
public sealed class ServiceTablesDatabase : IAsyncLifetime
{
    private readonly MirrorDatabase _database = new();
    private ServiceProvider? _services;

    public MirrorDatabase Db => _database;

    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        _services = new ServiceCollection().AddLogging().AddEdgeSyncStore(_database.ConnectionString, _database.Settings.Schema).BuildServiceProvider();
        await _services.GetRequiredService<IDocumentStore>().Storage.ApplyAllConfiguredChangesToDatabaseAsync();
    }

    public async Task DisposeAsync()
    {
        if (_services is not null)
            await _services.DisposeAsync();
        await _database.DisposeAsync();
    }
}

public class TelemetryWriterTests(ServiceTablesDatabase fixture) : IClassFixture<ServiceTablesDatabase>
{
    private static readonly DateTimeOffset Received = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
    private MirrorDatabase Db => fixture.Db;
    private TelemetryWriter Writer => new(Db.Settings);

    private Task<int> ApplyAsync(Guid lineage, IReadOnlyList<ColumnBinding> bindings, IReadOnlyList<MirrorRowChange> changes) =>
        Db.InTransactionAsync((c, t) => Writer.ApplyAsync(c, t, Guid.Empty, Guid.NewGuid(), lineage, bindings, changes, Received));

    private async Task<List<(string Point, DateTimeOffset Ts, double? Numeric, string? Text, long Seq)>> PointsAsync(Guid lineage)
    {
        await using var command = Db.DataSource.CreateCommand(
            "SELECT data_point, ts, value_numeric, value_text, commit_seq FROM edgesync.edge_telemetry_points WHERE lineage_id = @l ORDER BY commit_seq, data_point");
        command.Parameters.AddWithValue("l", lineage);
        await using var reader = await command.ExecuteReaderAsync();
        var points = new List<(string, DateTimeOffset, double?, string?, long)>();
        while (await reader.ReadAsync())
            points.Add((reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.IsDBNull(2) ? null : reader.GetDouble(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4)));
        return points;
    }

    [Fact]
    public async Task Points_are_written_once_even_when_applied_twice()
    {
        var lineage = Guid.NewGuid();
        ColumnBinding[] bindings =
        [
            new("temp", BindingAction.Map, DataPoint: "boiler.temp"),
            new("state", BindingAction.Map, DataPoint: "boiler.state"),
        ];
        MirrorRowChange[] changes =
        [
            Insert(1, """{"id":1}""", """{"id":1,"temp":21.5,"state":"on"}"""),
            Update(2, """{"id":1}""", """{"id":1,"temp":22,"state":null}"""),
            Delete(3, """{"id":1}"""),
            Insert(4, """{"id":2}""", """{"id":2}"""),
        ];
        Assert.Equal(4, await ApplyAsync(lineage, bindings, changes));
        Assert.Equal(0, await ApplyAsync(lineage, bindings, changes));
        Assert.Equal(
            [
                ("boiler.state", Received, null, "on", 1L), ("boiler.temp", Received, 21.5, null, 1L),
                ("boiler.state", Received, null, null, 2L), ("boiler.temp", Received, 22.0, null, 2L),
            ],
            await PointsAsync(lineage));
    }

    [Fact]
    public async Task Timestamps_come_from_the_timestamp_column()
    {
        var lineage = Guid.NewGuid();
        ColumnBinding[] bindings = [new("v", BindingAction.Map, DataPoint: "p", TimestampColumn: "at")];
        var changes = new[]
        {
            """{"v":1,"at":"2026-04-01T10:00:00+02:00"}""",
            """{"v":2,"at":1767225600}""",
            """{"v":3,"at":1767225600.25}""",
            """{"v":4,"at":"2026-04-01 08:30:00"}""",
            """{"v":5,"at":null}""",
            """{"v":6}""",
        }.Select((row, i) => Insert(i + 1, $$"""{"id":{{i}}}""", row)).ToList();
        await ApplyAsync(lineage, bindings, changes);
        Assert.Equal(
            [
                new DateTimeOffset(2026, 4, 1, 8, 0, 0, TimeSpan.Zero),
                new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero),
                new DateTimeOffset(2026, 1, 1, 0, 0, 0, 250, TimeSpan.Zero),
                new DateTimeOffset(2026, 4, 1, 8, 30, 0, TimeSpan.Zero),
                Received,
                Received,
            ],
            (await PointsAsync(lineage)).Select(p => p.Ts));
    }

    [Theory]
    [InlineData("\"yesterday\"")]
    [InlineData("1767225600000000")]
    [InlineData("true")]
    public async Task An_unreadable_timestamp_is_a_permanent_error(string at)
    {
        ColumnBinding[] bindings = [new("v", BindingAction.Map, DataPoint: "p", TimestampColumn: "at")];
        var error = await Assert.ThrowsAsync<MirrorWriteException>(() =>
            ApplyAsync(Guid.NewGuid(), bindings, [Insert(7, """{"id":1}""", $$"""{"v":1,"at":{{at}}}""")]));
        Assert.True(error.IsPermanent);
        Assert.Equal(MirrorWriteException.ValueInvalid, error.Code);
        Assert.Contains("commit_seq 7", error.Message);
    }

    [Fact]
    public async Task Values_of_other_kinds()
    {
        var lineage = Guid.NewGuid();
        ColumnBinding[] bindings = [new("v", BindingAction.Map, DataPoint: "p")];
        await ApplyAsync(lineage, bindings,
        [
            Insert(1, """{"id":1}""", """{"v":9007199254740993}"""),
            Insert(2, """{"id":2}""", """{"v":1e400}"""),
            Insert(3, """{"id":3}""", """{"v":"AAEC"}"""),
        ]);
        var points = await PointsAsync(lineage);
        Assert.Equal(9007199254740992.0, points[0].Numeric);
        Assert.Equal("1e400", points[1].Text);
        Assert.Equal("AAEC", points[2].Text);
    }

    [Fact]
    public async Task Nothing_to_write_is_no_round_trip()
    {
        Assert.Equal(0, await ApplyAsync(Guid.NewGuid(), [], [Insert(1, "{}", "{}")]));
        Assert.Equal(0, await ApplyAsync(Guid.NewGuid(), [new("v", BindingAction.Map, DataPoint: "p")], [Insert(1, "{}", """{"w":1}""")]));
    }

    [Fact]
    public void Timestamp_reading()
    {
        static DateTimeOffset? Read(string json) =>
            TelemetryTimestamp.TryRead(JsonDocument.Parse(json).RootElement, out var ts) ? ts : null;
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), Read("\"2026-01-02T03:04:05Z\""));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 123, TimeSpan.Zero), Read("\"2026-01-02 03:04:05.123\""));
        Assert.Equal(DateTimeOffset.UnixEpoch, Read("0"));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(-1.5), Read("-1.5"));
        Assert.Null(Read("\"2026-01-02\""));
        Assert.Null(Read("1e20"));
        Assert.Null(Read("{}"));
    }
}
