using System.Net;
using EdgeSync.Silo.Database;
using EdgeSync.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime.MembershipService;
using Orleans.Storage;
using Xunit.Abstractions;

namespace EdgeSync.Tests.OrleansAdoNet;

/// <summary>
/// Real silos against PostgreSQL whose Orleans tables and queries come only from the
/// project's own migration (src/Silo/Database/orleans-postgresql.sql).
/// </summary>
public sealed class OrleansAdoNetTests(AdoNetSiloCluster cluster, ITestOutputHelper output)
    : IClassFixture<AdoNetSiloCluster>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>Every key the Orleans 10.4.2 clustering, persistence and reminder providers look up.</summary>
    private static readonly string[] ExpectedQueryKeys =
    [
        "GatewaysQueryKey", "MembershipReadRowKey", "MembershipReadAllKey", "InsertMembershipVersionKey",
        "UpdateIAmAlivetimeKey", "InsertMembershipKey", "UpdateMembershipKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
        "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
        "ReadReminderRowsKey", "ReadRangeRows1Key", "ReadRangeRows2Key", "ReadReminderRowKey",
        "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    [Fact]
    public async Task Two_silos_join_one_cluster_through_adonet_membership()
    {
        var siloA = SiloAddressOf(cluster.SiloA);
        var siloB = SiloAddressOf(cluster.SiloB);

        // Both rows Active (SiloStatus 3) in our membership table, under one version row.
        await Eventually(async () =>
            await cluster.ScalarAsync<long>(
                "SELECT count(*) FROM orleansmembershiptable WHERE deploymentid = @d AND status = 3 AND siloname IN ('silo-a', 'silo-b')",
                ("d", AdoNetSiloCluster.ClusterId)) == 2);
        var tableVersion = await cluster.ScalarAsync<int>(
            "SELECT version FROM orleansmembershipversiontable WHERE deploymentid = @d", ("d", AdoNetSiloCluster.ClusterId));
        Assert.True(tableVersion >= 4, $"each join and status change bumps the table version; got {tableVersion}");

        // Each silo's own view of the cluster holds both silos as Active.
        foreach (var silo in new[] { cluster.SiloA, cluster.SiloB })
        {
            var membershipView = silo.Services.GetRequiredService<IClusterMembershipService>();
            await Eventually(() => Task.FromResult(
                membershipView.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Active
                    && (m.SiloAddress.Equals(siloA) || m.SiloAddress.Equals(siloB))) == 2));
        }

        var hosts = await AdoNetSiloCluster.Grains(cluster.SiloB).GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Contains(siloA, hosts.Keys);
        Assert.Contains(siloB, hosts.Keys);

        // Grain calls through the second silo work, and both silos agree on where each
        // activation lives (one grain directory, i.e. one cluster, not two).
        var viaB = AdoNetSiloCluster.Grains(cluster.SiloB);
        var viaA = AdoNetSiloCluster.Grains(cluster.SiloA);
        for (var i = 0; i < 6; i++)
        {
            var key = $"join-{Guid.NewGuid():N}";
            Assert.Equal(1, await viaB.GetGrain<IProbeCounterGrain>(key).Add(1, "via-b"));
            var whereFromB = await viaB.GetGrain<IProbeCounterGrain>(key).HostedOn();
            var whereFromA = await viaA.GetGrain<IProbeCounterGrain>(key).HostedOn();
            Assert.Equal(whereFromB, whereFromA);
            Assert.Contains(whereFromA, new[] { siloA.ToString(), siloB.ToString() });
        }

        // An external client discovers the gateways through GatewaysQueryKey.
        var client = await cluster.StartClientAsync();
        try
        {
            var key = $"client-{Guid.NewGuid():N}";
            Assert.Equal(3, await AdoNetSiloCluster.Grains(client).GetGrain<IProbeCounterGrain>(key).Add(3, "via-client"));
        }
        finally
        {
            await AdoNetSiloCluster.StopQuietlyAsync(client);
        }
    }

    [Fact]
    public async Task Grain_state_round_trips_and_a_stale_etag_is_rejected()
    {
        var key = $"state-{Guid.NewGuid():N}";
        var onA = AdoNetSiloCluster.Grains(cluster.SiloA).GetGrain<IProbeCounterGrain>(key);
        var onB = AdoNetSiloCluster.Grains(cluster.SiloB).GetGrain<IProbeCounterGrain>(key);

        Assert.Equal(5, await onA.Add(5, "first"));
        Assert.Equal(7, await onA.Add(2, "second"));
        Assert.Equal(2, await RowVersionAsync(key));
        var grainType = await cluster.ScalarAsync<string>(
            "SELECT graintypestring FROM orleansstorage WHERE grainidextensionstring = @k", ("k", key));
        output.WriteLine($"orleansstorage row: graintypestring={grainType}, version=2");

        // A fresh activation (reached through the other silo) loads the state from PostgreSQL.
        await onA.Deactivate();
        var reloaded = await onB.Read();
        Assert.Equal(7, reloaded.Total);
        Assert.Equal(new[] { "first", "second" }, reloaded.Notes);

        // Someone else wrote the row behind this activation's back: its etag is now stale.
        await cluster.ScalarAsync<int>(
            "UPDATE orleansstorage SET version = version + 1 WHERE grainidextensionstring = @k", ("k", key));
        await Assert.ThrowsAsync<InconsistentStateException>(() => onB.Add(1, "lost"));
        Assert.Equal(3, await RowVersionAsync(key));

        // A new activation re-reads the row (and its etag) and can write again. (Orleans also
        // deactivates a grain that threw InconsistentStateException; this makes it explicit.)
        await onB.Deactivate();
        var afterConflict = await onB.Read();
        Assert.Equal(7, afterConflict.Total);
        Assert.Equal(8, await onB.Add(1, "third"));
        Assert.Equal(4, await RowVersionAsync(key));
    }

    [Fact]
    public async Task Grain_storage_contract_for_string_guid_and_integer_keys()
    {
        var storage = cluster.SiloA.Services.GetRequiredKeyedService<IGrainStorage>(AdoNetSiloCluster.StorageName);
        const string stateName = "probedirect";
        var identities = new[]
        {
            GrainId.Create("probedirect", $"text-{Guid.NewGuid():N}"),                                             // N0 = N1 = 0, string key
            GrainId.Create(GrainType.Create("probedirect"), GrainIdKeyExtensions.CreateGuidKey(Guid.NewGuid())),      // no extension: NULL
            GrainId.Create(GrainType.Create("probedirect"), GrainIdKeyExtensions.CreateIntegerKey(Random.Shared.NextInt64(), "ext")),
        };

        foreach (var id in identities)
        {
            var first = new GrainState<ProbeCounterState>(new ProbeCounterState());
            await storage.ReadStateAsync(stateName, id, first);
            Assert.False(first.RecordExists);
            Assert.Null(first.ETag);

            first.State!.Total = 1;
            await storage.WriteStateAsync(stateName, id, first);
            Assert.Equal("1", first.ETag);
            Assert.True(first.RecordExists);

            // A writer that never saw the row (NULL etag) may not create it a second time.
            var blind = new GrainState<ProbeCounterState>(new ProbeCounterState { Total = 99 });
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(stateName, id, blind));

            var second = new GrainState<ProbeCounterState>(new ProbeCounterState());
            await storage.ReadStateAsync(stateName, id, second);
            Assert.Equal("1", second.ETag);
            Assert.Equal(1, second.State!.Total);

            first.State.Total = 2;
            await storage.WriteStateAsync(stateName, id, first);
            Assert.Equal("2", first.ETag);

            second.State.Total = 3;
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync(stateName, id, second));

            // Clear keeps the row with an empty payload and a new version.
            await storage.ClearStateAsync(stateName, id, first);
            Assert.Equal("3", first.ETag);
            Assert.False(first.RecordExists);
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync(stateName, id, second));

            var third = new GrainState<ProbeCounterState>(new ProbeCounterState());
            await storage.ReadStateAsync(stateName, id, third);
            Assert.False(third.RecordExists);
            Assert.Equal("3", third.ETag);
            Assert.Equal(0, third.State!.Total);

            third.State.Total = 4;
            await storage.WriteStateAsync(stateName, id, third);
            Assert.Equal("4", third.ETag);

            var last = new GrainState<ProbeCounterState>(new ProbeCounterState());
            await storage.ReadStateAsync(stateName, id, last);
            Assert.Equal(4, last.State!.Total);
        }

        var rows = await cluster.ScalarAsync<long>("SELECT count(*) FROM orleansstorage WHERE graintypestring = 'probedirect'");
        Assert.Equal(identities.Length, rows);

        // DeleteStateOnClear = true goes through DeleteStorageKey and removes the row.
        var deleting = cluster.SiloA.Services.GetRequiredKeyedService<IGrainStorage>(AdoNetSiloCluster.DeletingStorageName);
        var doomed = GrainId.Create("probedelete", $"gone-{Guid.NewGuid():N}");
        var state = new GrainState<ProbeCounterState>(new ProbeCounterState { Total = 5 });
        await deleting.WriteStateAsync("probedelete", doomed, state);
        Assert.Equal("1", state.ETag);
        var stale = new GrainState<ProbeCounterState>(new ProbeCounterState(), "0") { RecordExists = true };
        await Assert.ThrowsAsync<InconsistentStateException>(() => deleting.ClearStateAsync("probedelete", doomed, stale));
        await deleting.ClearStateAsync("probedelete", doomed, state);
        Assert.Null(state.ETag);
        Assert.Equal(0L, await cluster.ScalarAsync<long>(
            "SELECT count(*) FROM orleansstorage WHERE grainidextensionstring = @k", ("k", doomed.Key.ToString())));
        var reread = new GrainState<ProbeCounterState>(new ProbeCounterState());
        await deleting.ReadStateAsync("probedelete", doomed, reread);
        Assert.False(reread.RecordExists);
        Assert.Null(reread.ETag);
    }

    [Fact]
    public async Task Reminder_registered_through_adonet_service_fires()
    {
        var key = $"rem-{Guid.NewGuid():N}";
        var grain = AdoNetSiloCluster.Grains(cluster.SiloB).GetGrain<IProbeReminderGrain>(key);
        var firstTick = ProbeReminderLog.FirstTick(key);

        await grain.Arm("tick", dueTime: TimeSpan.FromSeconds(1), period: TimeSpan.FromSeconds(1));
        Assert.Equal(1L, await cluster.ScalarAsync<long>(
            "SELECT count(*) FROM orleansreminderstable WHERE serviceid = @s AND grainid LIKE '%/' || @k AND remindername = 'tick' AND period = 1000",
            ("s", AdoNetSiloCluster.ServiceId), ("k", key)));

        var winner = await Task.WhenAny(firstTick, Task.Delay(Patience));
        Assert.True(ReferenceEquals(firstTick, winner), "the reminder did not fire in time");
        Assert.Equal("tick", await firstTick);

        Assert.True(await grain.Disarm("tick"));
        Assert.Equal(0L, await cluster.ScalarAsync<long>(
            "SELECT count(*) FROM orleansreminderstable WHERE grainid LIKE '%/' || @k", ("k", key)));
    }

    [Fact]
    public async Task Reminder_table_queries_follow_ring_ranges_and_etags()
    {
        var table = cluster.SiloA.Services.GetRequiredService<IReminderTable>();
        var run = Guid.NewGuid().ToString("N");
        var ids = Enumerable.Range(0, 48).Select(i => GrainId.Create("rangeprobe", $"{run}-{i}")).ToList();
        var etags = new Dictionary<GrainId, string>();
        foreach (var id in ids)
        {
            // Far in the future with a long period: the live reminder services must never tick these.
            etags[id] = (await table.UpsertRow(new ReminderEntry
            {
                GrainId = id, ReminderName = "r", StartAt = DateTime.UtcNow.AddDays(1), Period = TimeSpan.FromHours(1),
            }))!;
        }

        try
        {
            // An upsert of an existing reminder yields a new etag.
            var again = await table.UpsertRow(new ReminderEntry
            {
                GrainId = ids[0], ReminderName = "r", StartAt = DateTime.UtcNow.AddDays(2), Period = TimeSpan.FromHours(2),
            });
            Assert.NotEqual(etags[ids[0]], again);
            etags[ids[0]] = again!;

            var hashes = ids.ToDictionary(id => id, id => id.GetUniformHashCode());
            var sorted = hashes.Values.Order().ToArray();
            var ranges = new (uint Begin, uint End)[]
            {
                (sorted[5], sorted[30]),          // plain range
                (sorted[40], sorted[8]),          // wraps past uint.MaxValue
                (0x40000000u, 0xC0000000u),       // crosses the signed-int boundary
                (0xC0000000u, 0x40000000u),       // wraps and crosses
                (sorted[17], sorted[17]),         // begin == end: the whole ring
                (0u, uint.MaxValue),
            };
            foreach (var (begin, end) in ranges)
            {
                var found = (await table.ReadRows(begin, end)).Reminders
                    .Where(r => r.GrainId.Key.ToString()!.StartsWith(run, StringComparison.Ordinal))
                    .Select(r => r.GrainId)
                    .ToHashSet();
                var expected = ids.Where(id => InRing(hashes[id], begin, end)).ToHashSet();
                Assert.True(expected.SetEquals(found), $"range ({begin:X8}, {end:X8}]: expected {expected.Count}, got {found.Count}");
            }

            var one = await table.ReadRow(ids[0], "r");
            Assert.NotNull(one);
            Assert.Equal(TimeSpan.FromHours(2), one.Period);
            Assert.Equal(etags[ids[0]], one.ETag);
            Assert.Single((await table.ReadRows(ids[0])).Reminders);

            Assert.False(await table.RemoveRow(ids[0], "r", "12345"));
            Assert.True(await table.RemoveRow(ids[0], "r", etags[ids[0]]));
            Assert.Null(await table.ReadRow(ids[0], "r"));
            etags.Remove(ids[0]);
        }
        finally
        {
            foreach (var (id, etag) in etags)
            {
                await table.RemoveRow(id, "r", etag);
            }
        }
    }

    [Fact]
    public async Task Migration_applied_concurrently_succeeds_and_serves_the_membership_contract()
    {
        var connectionString = await TestDatabase.CreateAsync("orlmig");
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => OrleansSchema.ApplyAsync(connectionString))));
        await OrleansSchema.ApplyAsync(connectionString);

        var keys = new List<string>();
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT querykey FROM orleansquery", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                keys.Add(reader.GetString(0));
            }
        }

        Assert.Equal(ExpectedQueryKeys.Order(), keys.Order());

        // Optimistic concurrency on the membership table version, through the real provider class.
        const string clusterId = "cas-contract";
        var membership = new AdoNetClusteringTable(
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "cas-contract" }),
            Options.Create(new AdoNetClusteringSiloOptions { Invariant = AdoNetSiloCluster.Invariant, ConnectionString = connectionString }),
            NullLogger<AdoNetClusteringTable>.Instance);
        await membership.InitializeMembershipTableAsync(tryInitTableVersion: true);
        await membership.InitializeMembershipTableAsync(tryInitTableVersion: true);

        var empty = await membership.ReadAllAsync();
        Assert.Empty(empty.Members);
        var v0 = empty.Version;

        var silo1 = NewEntry(11111, SiloStatus.Joining);
        Assert.True(await membership.InsertRowAsync(silo1, v0.Next()));
        Assert.False(await membership.InsertRowAsync(NewEntry(22222, SiloStatus.Joining), v0.Next()));   // stale version

        var t1 = await membership.ReadAllAsync();
        Assert.Equal(v0.Version + 1, t1.Version.Version);
        var (row, rowEtag) = Assert.Single(t1.Members);
        Assert.Equal(silo1.SiloAddress, row.SiloAddress);
        Assert.Equal("silo-11111", row.SiloName);
        Assert.Equal(SiloStatus.Joining, row.Status);

        Assert.False(await membership.InsertRowAsync(silo1, t1.Version.Next()));                         // already there
        Assert.Equal(t1.Version.Version, (await membership.ReadAllAsync()).Version.Version);            // ...and no bump

        row.Status = SiloStatus.Active;
        var suspecter = SiloAddress.New(IPAddress.Loopback, 33333, 7);
        row.SuspectTimes = [Tuple.Create(suspecter, DateTime.UtcNow.AddSeconds(-5))];
        Assert.True(await membership.UpdateRowAsync(row, rowEtag, t1.Version.Next()));
        Assert.False(await membership.UpdateRowAsync(row, rowEtag, t1.Version.Next()));                 // stale now

        var heartbeat = DateTime.UtcNow.AddSeconds(1);
        row.IAmAliveTime = heartbeat;
        await membership.UpdateIAmAliveAsync(row);
        var t2 = await membership.ReadRowAsync(row.SiloAddress);
        var (read, _) = Assert.Single(t2.Members);
        Assert.Equal(SiloStatus.Active, read.Status);
        Assert.Equal(suspecter, Assert.Single(read.SuspectTimes!).Item1);
        Assert.InRange(read.IAmAliveTime, heartbeat.AddMilliseconds(-1), heartbeat.AddMilliseconds(1));
        Assert.Equal(t1.Version.Version + 1, t2.Version.Version);                                       // heartbeat: no bump

        // Dead rows older than the cutoff are removed by the per-row cleanup query; live ones stay.
        var silo2 = NewEntry(22222, SiloStatus.Active);
        Assert.True(await membership.InsertRowAsync(silo2, t2.Version.Next()));
        var t3 = await membership.ReadAllAsync();
        var (dying, dyingEtag) = t3.Members.Single(m => m.Item1.SiloAddress.Equals(silo1.SiloAddress));
        Assert.Equal(t3.Version.VersionEtag, dyingEtag);                                                // rows carry the table etag
        dying.Status = SiloStatus.Dead;
        Assert.True(await membership.UpdateRowAsync(dying, dyingEtag, t3.Version.Next()));
        await membership.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddMinutes(1));
        var survivor = Assert.Single((await membership.ReadAllAsync()).Members);
        Assert.Equal(silo2.SiloAddress, survivor.Item1.SiloAddress);

        // The bulk fallback (used when CleanupDefunctSiloEntryKey is absent) is valid SQL too.
        await ExecuteStoredQueryAsync(connectionString, "CleanupDefunctSiloEntriesKey",
            ("DeploymentId", clusterId), ("IAmAliveTime", DateTime.UtcNow));
        Assert.Single((await membership.ReadAllAsync()).Members);

        await membership.DeleteMembershipTableEntriesAsync(clusterId);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT (SELECT count(*) FROM orleansmembershipversiontable WHERE deploymentid = @d) + (SELECT count(*) FROM orleansmembershiptable WHERE deploymentid = @d)",
                connection);
            command.Parameters.AddWithValue("d", clusterId);
            Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
        }

        NpgsqlConnection.ClearAllPools();
    }

    private static MembershipEntry NewEntry(int port, SiloStatus status)
    {
        var now = DateTime.UtcNow;
        return new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, port, 42),
            SiloName = $"silo-{port}",
            HostName = "test-host",
            Status = status,
            ProxyPort = port + 1,
            StartTime = now.AddSeconds(-10),
            IAmAliveTime = now,
        };
    }

    private static bool InRing(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private static SiloAddress SiloAddressOf(Microsoft.Extensions.Hosting.IHost host) =>
        host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;

    private Task<int> RowVersionAsync(string key) =>
        cluster.ScalarAsync<int>("SELECT version FROM orleansstorage WHERE grainidextensionstring = @k", ("k", key));

    private static async Task ExecuteStoredQueryAsync(string connectionString, string queryKey, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        string text;
        await using (var lookup = new NpgsqlCommand("SELECT querytext FROM orleansquery WHERE querykey = @key", connection))
        {
            lookup.Parameters.AddWithValue("key", queryKey);
            text = (string)(await lookup.ExecuteScalarAsync())!;
        }

        await using var command = new NpgsqlCommand(text, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync();
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(100);
        }
    }
}
