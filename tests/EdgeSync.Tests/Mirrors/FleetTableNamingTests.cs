using System.Security.Cryptography;
using System.Text;
using EdgeSync.Mirrors;

namespace EdgeSync.Tests.Mirrors;

/// <summary>Names of coalesced tables (<c>edge_fleet_{slug}_{table}</c>) and the ownership they record.</summary>
[Trait("Category", "Fast")]
public sealed class FleetTableNamingTests
{
    private static readonly Guid Project = Guid.Parse("0190f1a2-b3c4-7d5e-8f60-718293a4b5c6");

    private static string Hash8(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)))[..8];

    private static void AssertValid(string name)
    {
        Assert.True(MirrorNaming.IsValidName(name, out var problem), $"{name}: {problem}");
        Assert.True(Encoding.UTF8.GetByteCount(name) <= 63, name);
    }

    [Theory]
    [InlineData("acme", "device_state", "edge_fleet_acme_device_state")]
    [InlineData("acme-east", "Device State", "edge_fleet_acme_east_device_state")]
    [InlineData("acme", "x\"; DROP TABLE y; --", "edge_fleet_acme_x___drop_table_y____")]
    [InlineData("acme", "Tür", "edge_fleet_acme_t_r")]
    [InlineData("", "device_state", "edge_fleet_device_state")]
    [InlineData("", "", "edge_fleet_")]
    public void Fleet_table_name_is_edge_fleet_slug_table_sanitized_and_without_the_slug_when_it_is_empty(string slug, string table, string expected)
    {
        var name = MirrorNaming.DefaultFleetTableName(slug, table);
        Assert.Equal(expected, name);
        AssertValid(name);
    }

    [Fact]
    public void A_fleet_name_of_exactly_63_bytes_is_kept()
    {
        var table = new string('a', 63 - "edge_fleet_acme_".Length);
        Assert.Equal("edge_fleet_acme_" + table, MirrorNaming.DefaultFleetTableName("acme", table));
    }

    [Theory]
    [InlineData("acme", 48)]
    [InlineData("acme", 300)]
    [InlineData("", 60)]
    public void A_longer_fleet_name_is_cut_to_63_bytes_and_suffixed_with_the_hash_of_the_source_name(string slug, int length)
    {
        var table = string.Concat(Enumerable.Repeat("Sensor Reading ", 30))[..length];
        var name = MirrorNaming.DefaultFleetTableName(slug, table);
        Assert.Equal(63, name.Length);
        Assert.EndsWith("_" + Hash8(table), name);
        Assert.StartsWith(slug.Length == 0 ? "edge_fleet_sensor_reading_" : $"edge_fleet_{slug}_sensor_reading_", name);
        Assert.Equal(MirrorNaming.HashedFleetTableName(slug, table), name);
        AssertValid(name);
    }

    [Fact]
    public void A_slug_of_63_characters_is_cut_so_that_the_table_part_keeps_room()
    {
        var slug = "a" + new string('b', 61) + "c";
        var name = MirrorNaming.DefaultFleetTableName(slug, "device_state");
        Assert.Equal("edge_fleet_a" + new string('b', 23) + "_device_state_" + Hash8("device_state"), name);
        AssertValid(name);
    }

    [Fact]
    public void Unicode_source_names_hash_the_original_utf8()
    {
        var table = new string('ü', 100);
        var name = MirrorNaming.DefaultFleetTableName("acme", table);
        Assert.Equal("edge_fleet_acme_" + new string('_', 63 - "edge_fleet_acme_".Length - 9) + "_" + Hash8(table), name);
        AssertValid(name);
    }

    [Fact]
    public void The_project_hashed_name_differs_per_project_and_from_the_hashed_name()
    {
        var other = Guid.Parse("0190f1a2-b3c4-7d5e-8f60-718293a4b5c7");
        var hashed = MirrorNaming.HashedFleetTableName("acme", "device_state");
        var mine = MirrorNaming.ProjectHashedFleetTableName(Project, "acme", "device_state");
        var theirs = MirrorNaming.ProjectHashedFleetTableName(other, "acme", "device_state");
        Assert.Equal("edge_fleet_acme_device_state_" + Hash8($"{Project:N}/device_state"), mine);
        Assert.NotEqual(hashed, mine);
        Assert.NotEqual(mine, theirs);
        AssertValid(mine);
    }

    [Fact]
    public void Fleet_and_per_device_ownership_comments_never_read_as_each_other()
    {
        var fleet = new MirrorFleetOwner(Project, "device state 😀");
        var device = new MirrorTableOwner(Guid.NewGuid(), Guid.NewGuid(), "device state 😀");
        var fleetComment = MirrorOwnership.Format(fleet);
        var deviceComment = MirrorOwnership.Format(device);

        Assert.Equal(fleet, MirrorOwnership.ParseFleet(fleetComment));
        Assert.Equal(device, MirrorOwnership.Parse(deviceComment));
        Assert.Null(MirrorOwnership.Parse(fleetComment));
        Assert.Null(MirrorOwnership.ParseFleet(deviceComment));
        Assert.Null(MirrorOwnership.ParseFleet("edgesync-fleet project=nope table=eA=="));
        Assert.Null(MirrorOwnership.ParseFleet("edgesync-fleet project=" + Project + " table=***"));
        Assert.Null(MirrorOwnership.ParseFleet(null));
        Assert.DoesNotContain('\'', fleetComment);
    }
}
