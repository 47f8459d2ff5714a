using System.Security.Cryptography;
using System.Text;
using EdgeSync.Mirrors;

namespace EdgeSync.Tests.Mirrors;

public class MirrorNamingTests
{
    private static readonly Guid Device = Guid.Parse("0190f1a2-b3c4-7d5e-8f60-718293a4b5c6");

    private static string Hash8(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)))[..8];

    private static void AssertValid(string name)
    {
        Assert.True(MirrorNaming.IsValidName(name, out var problem), $"{name}: {problem}");
        Assert.True(Encoding.UTF8.GetByteCount(name) <= 63, name);
    }

    [Theory]
    [InlineData("readings", "edge_mirror_0190f1a2_readings")]
    [InlineData("Readings", "edge_mirror_0190f1a2_readings")]
    [InlineData("my table", "edge_mirror_0190f1a2_my_table")]
    [InlineData("x\"; DROP TABLE y; --", "edge_mirror_0190f1a2_x___drop_table_y____")]
    [InlineData("select", "edge_mirror_0190f1a2_select")]
    [InlineData("Tür-Öffnung", "edge_mirror_0190f1a2_t_r__ffnung")]
    [InlineData("温度", "edge_mirror_0190f1a2___")]
    [InlineData("a😀b", "edge_mirror_0190f1a2_a_b")] // one character (a surrogate pair), one '_'
    [InlineData("", "edge_mirror_0190f1a2_")]
    public void Default_table_name_sanitizes(string source, string expected)
    {
        var name = MirrorNaming.DefaultTableName(Device, source);
        Assert.Equal(expected, name);
        AssertValid(name);
    }

    [Fact]
    public void Device8_is_the_first_8_hex_digits_of_the_canonical_text()
    {
        var device = Guid.Parse("ABCDEF01-2345-6789-abcd-ef0123456789");
        Assert.StartsWith("edge_mirror_abcdef01_", MirrorNaming.DefaultTableName(device, "t"));
    }

    [Fact]
    public void A_name_of_exactly_63_bytes_is_kept()
    {
        var source = new string('a', 63 - "edge_mirror_0190f1a2_".Length);
        var name = MirrorNaming.DefaultTableName(Device, source);
        Assert.Equal(63, name.Length);
        Assert.Equal("edge_mirror_0190f1a2_" + source, name);
    }

    [Theory]
    [InlineData(43)]
    [InlineData(200)]
    public void A_longer_name_is_cut_and_hash_suffixed(int length)
    {
        var source = string.Concat(Enumerable.Repeat("Sensor Reading ", 20))[..length];
        var name = MirrorNaming.DefaultTableName(Device, source);
        Assert.True(name.Length <= 63);
        Assert.EndsWith("_" + Hash8(source), name);
        Assert.StartsWith("edge_mirror_0190f1a2_sensor_reading_", name);
        Assert.Equal(MirrorNaming.HashedTableName(Device, source), name);
        AssertValid(name);
    }

    [Fact]
    public void Long_unicode_names_hash_the_original_utf8()
    {
        var source = new string('ü', 100); // 200 bytes of UTF-8
        var name = MirrorNaming.DefaultTableName(Device, source);
        Assert.Equal("edge_mirror_0190f1a2_" + new string('_', 33) + "_" + Hash8(source), name);
        AssertValid(name);
    }

    [Fact]
    public void Hashed_name_is_always_suffixed_and_distinguishes_names_that_sanitize_alike()
    {
        var a = MirrorNaming.HashedTableName(Device, "Temp Sensor");
        var b = MirrorNaming.HashedTableName(Device, "temp_sensor");
        Assert.Equal("edge_mirror_0190f1a2_temp_sensor_" + Hash8("Temp Sensor"), a);
        Assert.NotEqual(a, b);
        Assert.Equal(MirrorNaming.DefaultTableName(Device, "Temp Sensor"), MirrorNaming.DefaultTableName(Device, "temp_sensor"));
        AssertValid(a);
        AssertValid(b);
    }

    [Fact]
    public void Device_hashed_name_differs_between_devices_sharing_device8()
    {
        var d1 = Guid.Parse("0190f1a2-0000-7000-8000-000000000001");
        var d2 = Guid.Parse("0190f1a2-0000-7000-8000-000000000002");
        Assert.Equal(MirrorNaming.HashedTableName(d1, "t"), MirrorNaming.HashedTableName(d2, "t"));
        Assert.NotEqual(MirrorNaming.DeviceHashedTableName(d1, "t"), MirrorNaming.DeviceHashedTableName(d2, "t"));
        AssertValid(MirrorNaming.DeviceHashedTableName(d1, new string('x', 300)));
    }

    [Theory]
    [InlineData("id", "id")]
    [InlineData("Temperature °C", "temperature__c")]
    [InlineData("x\"; DROP TABLE y; --", "x___drop_table_y____")]
    [InlineData("", "_")]
    [InlineData("1st", "c_1st")]
    [InlineData("_edge_device_id", "c__edge_device_id")]
    [InlineData("_EDGE_x", "c__edge_x")]
    [InlineData("pg_class", "c_pg_class")]
    [InlineData("_edge", "_edge")]
    [InlineData("order", "order")]
    [InlineData("ÄÖÜ", "___")]
    [InlineData("xmin", "c_xmin")]
    [InlineData("XMax", "c_xmax")]
    [InlineData("cmin", "c_cmin")]
    [InlineData("cmax", "c_cmax")]
    [InlineData("ctid", "c_ctid")]
    [InlineData("tableoid", "c_tableoid")]
    [InlineData("oid", "c_oid")]
    [InlineData("xmin2", "xmin2")]
    public void Default_column_name(string source, string expected)
    {
        var name = MirrorNaming.DefaultColumnName(source);
        Assert.Equal(expected, name);
        AssertValid(name);
    }

    [Fact]
    public void System_column_names_are_not_valid_explicit_column_names_but_valid_table_names()
    {
        foreach (var name in MirrorNaming.SystemColumns)
        {
            Assert.False(MirrorNaming.IsValidColumnName(name, out var problem));
            Assert.Contains("system column", problem);
            Assert.True(MirrorNaming.IsValidName(name, out _));
        }
        Assert.True(MirrorNaming.IsValidColumnName("c_xmin", out _));
    }

    [Fact]
    public void A_source_column_named_like_an_escaped_system_column_keeps_both_distinct()
    {
        var names = MirrorNaming.DefaultColumnNames(["xmin", "c_xmin", ""]);
        Assert.Equal(3, names.Distinct().Count());
        Assert.Equal("_", names[2]);
        foreach (var name in names)
            Assert.True(MirrorNaming.IsValidColumnName(name, out var problem), $"{name}: {problem}");
    }

    [Fact]
    public void Long_column_names_are_cut_and_hash_suffixed()
    {
        var source = new string('C', 200);
        var name = MirrorNaming.DefaultColumnName(source);
        Assert.Equal(new string('c', 54) + "_" + Hash8(source), name);
        AssertValid(name);
        var digit = "9" + new string('x', 100);
        AssertValid(MirrorNaming.DefaultColumnName(digit));
        Assert.StartsWith("c_9", MirrorNaming.DefaultColumnName(digit));
    }

    [Theory]
    [InlineData("_edge")]
    [InlineData("pg")]
    [InlineData("")]
    public void Hashed_column_names_never_start_with_a_reserved_prefix(string source) =>
        AssertValid(MirrorNaming.HashedColumnName(source));

    [Fact]
    public void Column_names_are_made_unique_within_a_table()
    {
        var names = MirrorNaming.DefaultColumnNames(["id", "Temp", "temp", "te mp", "value"]);
        Assert.Equal("id", names[0]);
        Assert.Equal("value", names[4]);
        Assert.Equal("temp_" + Hash8("Temp"), names[1]);
        Assert.Equal("temp_" + Hash8("temp"), names[2]);
        Assert.Equal("te_mp", names[3]);
        Assert.Equal(names.Count, names.Distinct().Count());
        foreach (var name in names)
            AssertValid(name);
    }

    [Fact]
    public void Unique_names_do_not_depend_on_column_order()
    {
        var forward = MirrorNaming.DefaultColumnNames(["A", "a", "b"]);
        var backward = MirrorNaming.DefaultColumnNames(["b", "a", "A"]);
        Assert.Equal(forward[0], backward[2]);
        Assert.Equal(forward[1], backward[1]);
    }

    [Fact]
    public void A_hashed_name_that_meets_a_plain_name_is_resolved_too()
    {
        var hashedA = "a_" + Hash8("a");
        var names = MirrorNaming.DefaultColumnNames(["a", "A", hashedA]);
        Assert.Equal(3, names.Distinct().Count());
        Assert.Equal(hashedA + "_" + Hash8(hashedA), names[2]);
    }

    [Fact]
    public void A_source_column_listed_twice_is_refused() =>
        Assert.Throws<ArgumentException>(() => MirrorNaming.DefaultColumnNames(["a", "a"]));

    [Theory]
    [InlineData("readings", true)]
    [InlineData("_private", true)]
    [InlineData("a1_b2", true)]
    [InlineData("Readings", false)]
    [InlineData("1abc", false)]
    [InlineData("", false)]
    [InlineData("a-b", false)]
    [InlineData("a b", false)]
    [InlineData("a\"b", false)]
    [InlineData("x; drop table y", false)]
    [InlineData("_edge_device_id", false)]
    [InlineData("pg_readings", false)]
    [InlineData("tür", false)]
    public void Explicit_names_are_validated(string name, bool valid)
    {
        Assert.Equal(valid, MirrorNaming.IsValidName(name, out var problem));
        Assert.Equal(valid, problem is null);
    }

    [Fact]
    public void Explicit_names_may_have_63_characters_not_64()
    {
        Assert.True(MirrorNaming.IsValidName(new string('a', 63), out _));
        Assert.False(MirrorNaming.IsValidName(new string('a', 64), out _));
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a\"b", "\"a\"\"b\"")]
    [InlineData("x\"; DROP TABLE y; --", "\"x\"\"; DROP TABLE y; --\"")]
    public void Quote_doubles_quotes(string name, string expected) => Assert.Equal(expected, PgIdentifier.Quote(name));

    [Fact]
    public void Quote_rejects_what_postgres_cannot_hold()
    {
        Assert.Throws<ArgumentException>(() => PgIdentifier.Quote(""));
        Assert.Throws<ArgumentException>(() => PgIdentifier.Quote("a\0b"));
        Assert.Throws<ArgumentException>(() => PgIdentifier.Quote(new string('a', 64)));
        Assert.Throws<ArgumentException>(() => PgIdentifier.Quote(new string('ü', 32))); // 64 bytes
        Assert.Throws<ArgumentException>(() => PgIdentifier.Quote("a\uD800"));
        Assert.Equal(65, PgIdentifier.Quote(new string('a', 63)).Length);
        Assert.Equal(33, PgIdentifier.Quote(new string('ü', 31)).Length);
    }
}
