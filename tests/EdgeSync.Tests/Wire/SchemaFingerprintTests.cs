using System.Text;
using System.Text.Json;
using EdgeSync.Wire;

namespace EdgeSync.Tests.Wire;

public class SchemaFingerprintTests
{
    private static SchemaFingerprint FromVector(FingerprintVectors.Vector vector, IEnumerable<FingerprintVectors.Column>? columns = null) =>
        new(vector.Table, (columns ?? vector.Columns).Select(c => new SchemaColumn(c.Name, c.Affinity, c.NotNull, c.PkOrdinal)).ToArray());

    [Theory]
    [MemberData(nameof(FingerprintVectors.Names), MemberType = typeof(FingerprintVectors))]
    public void Hash_matches_the_vector_derived_with_sqlite3_jq_and_sha256sum(string table)
    {
        var vector = FingerprintVectors.Named(table);
        var fingerprint = FromVector(vector);

        if (vector.Canonical is not null)
            Assert.Equal(vector.Canonical, fingerprint.ToCanonicalJson());
        Assert.Equal(vector.Hash, fingerprint.ComputeHash());
    }

    [Theory]
    [MemberData(nameof(FingerprintVectors.Names), MemberType = typeof(FingerprintVectors))]
    public void Column_order_does_not_change_canonical_form_hash_or_equality(string table)
    {
        var vector = FingerprintVectors.Named(table);
        var declared = FromVector(vector);
        var reversed = FromVector(vector, vector.Columns.Reverse());
        var shuffled = FromVector(vector, vector.Columns.Select((c, i) => (c, i)).OrderBy(t => (t.i * 5 + 3) % 7).Select(t => t.c));

        Assert.Equal(declared.ToCanonicalJson(), reversed.ToCanonicalJson());
        Assert.Equal(vector.Hash, reversed.ComputeHash());
        Assert.Equal(vector.Hash, shuffled.ComputeHash());
        Assert.Equal(declared, reversed);
        Assert.Equal(declared.GetHashCode(), reversed.GetHashCode());
    }

    [Fact]
    public void The_protocol_examples_canonical_form_is_the_text_its_doc_prints()
    {
        // docs/device-protocol.md, "Schema fingerprint": CREATE TABLE device_state (mode TEXT, id INTEGER PRIMARY KEY NOT NULL, setpoint REAL)
        const string spec = """{"columns":[{"decl_type_affinity":"INTEGER","name":"id","not_null":true,"pk_ordinal":1},{"decl_type_affinity":"TEXT","name":"mode","not_null":false,"pk_ordinal":0},{"decl_type_affinity":"REAL","name":"setpoint","not_null":false,"pk_ordinal":0}],"table_name":"device_state"}""";
        var fingerprint = new SchemaFingerprint("device_state",
        [
            new SchemaColumn("mode", "TEXT", false, 0),
            new SchemaColumn("id", "INTEGER", true, 1),
            new SchemaColumn("setpoint", "REAL", false, 0),
        ]);

        Assert.Equal(spec, fingerprint.ToCanonicalJson());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(spec))), fingerprint.ComputeHash());
    }

    [Fact]
    public void Columns_are_held_in_utf8_byte_order_not_utf16_order()
    {
        // UTF-16 (string.CompareOrdinal) puts U+1F600 (a surrogate pair, D83D…) before U+FF5A; UTF-8 bytes (F0… vs EF…) the other way round.
        Assert.True(string.CompareOrdinal("😀", "ｚ") < 0);
        var fingerprint = new SchemaFingerprint("t",
        [
            new SchemaColumn("😀", "TEXT", false, 0),
            new SchemaColumn("ｚ", "TEXT", false, 0),
            new SchemaColumn("Z", "TEXT", false, 0),
            new SchemaColumn("a", "TEXT", false, 1),
            new SchemaColumn("é", "TEXT", false, 0),
        ]);

        Assert.Equal(["Z", "a", "é", "ｚ", "😀"], fingerprint.Columns.Select(c => c.Name));
    }

    [Fact]
    public void Strings_are_escaped_as_rfc8785_does()
    {
        // RFC 8785 §3.2.2.2: escape only " and \ and U+0000..U+001F (short forms for \b \t \n \f \r,
        // else \u00xx lowercase); DEL, U+2028, non-ASCII and "/" are written as they are.
        var fingerprint = new SchemaFingerprint("t/\u007f\u2028",
        [
            new SchemaColumn("\"\\\b\t\n\f\r\u0000\u001f\u001Aé€😀", "BLOB", false, 0),
        ]);

        Assert.Equal(
            "{\"columns\":[{\"decl_type_affinity\":\"BLOB\",\"name\":\"\\\"\\\\\\b\\t\\n\\f\\r\\u0000\\u001f\\u001aé€😀\",\"not_null\":false,\"pk_ordinal\":0}],\"table_name\":\"t/\u007f\u2028\"}",
            fingerprint.ToCanonicalJson());
        // And the canonical text is JSON that reads back to the same strings.
        using var document = JsonDocument.Parse(fingerprint.ToCanonicalJson());
        Assert.Equal(fingerprint.Columns[0].Name, document.RootElement.GetProperty("columns")[0].GetProperty("name").GetString());
    }

    [Fact]
    public void Unpaired_surrogate_cannot_be_canonicalized()
    {
        var fingerprint = new SchemaFingerprint("t", [new SchemaColumn("a\ud800", "TEXT", false, 0)]);
        Assert.Throws<ArgumentException>(() => fingerprint.ToCanonicalJson());
    }

    [Fact]
    public void Primary_key_is_ordered_by_pk_ordinal()
    {
        var fingerprint = FromVector(FingerprintVectors.Readings);

        Assert.Equal(["site", "sensor", "ts"], fingerprint.PrimaryKey.Select(c => c.Name));
        Assert.Empty(FromVector(FingerprintVectors.EventLog).PrimaryKey);
    }

    [Fact]
    public void With_expression_keeps_columns_canonical()
    {
        var fingerprint = FromVector(FingerprintVectors.DeviceState);
        var changed = fingerprint with { Columns = [new SchemaColumn("b", "TEXT", false, 0), new SchemaColumn("a", "TEXT", false, 1)] };

        Assert.Equal(["a", "b"], changed.Columns.Select(c => c.Name));
        Assert.NotEqual(fingerprint, changed);
    }

    [Fact]
    public void Round_trips_through_system_text_json()
    {
        var fingerprint = FromVector(FingerprintVectors.Capteurs);
        var json = JsonSerializer.Serialize(fingerprint);
        var copy = JsonSerializer.Deserialize<SchemaFingerprint>(json);

        Assert.DoesNotContain("PrimaryKey", json);
        Assert.Equal(fingerprint, copy);
        Assert.Equal(FingerprintVectors.Capteurs.Hash, copy!.ComputeHash());
    }
}
