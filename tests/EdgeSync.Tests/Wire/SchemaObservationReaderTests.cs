using EdgeSync.Wire;
using static EdgeSync.Tests.Wire.WirePayloads;

namespace EdgeSync.Tests.Wire;

public class SchemaObservationReaderTests
{
    [Fact]
    public void Reads_an_observation_with_columns()
    {
        var result = SchemaObservationReader.Read(Bytes(Observation(_ => { })));

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Equal("device_state", result.Value.SourceTable);
        Assert.Equal(DeviceStateHash, result.Value.SchemaHash);
        Assert.Equal(new DateTimeOffset(2025, 1, 31, 12, 0, 0, TimeSpan.Zero), result.Value.ObservedAt);
        Assert.Equal(DeviceStateHash, result.Value.SchemaColumns!.ComputeHash());
    }

    [Fact]
    public void Reads_an_observation_without_columns_and_normalizes_observed_at_to_utc()
    {
        var result = SchemaObservationReader.Read(Bytes(Observation(m =>
        {
            m.Remove("schema_columns");
            m["observed_at"] = "2025-01-31T13:30:00.123456789+01:30";
        })));

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Null(result.Value.SchemaColumns);
        Assert.Equal(new DateTimeOffset(2025, 1, 31, 12, 0, 0, TimeSpan.Zero).AddTicks(1234567), result.Value.ObservedAt);
        Assert.Equal(TimeSpan.Zero, result.Value.ObservedAt.Offset);
    }

    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        void Add(string code, string name, string payload) => data.Add(code, name, payload);

        Add(RejectionCodes.MalformedJson, "not json", "observe");
        Add(RejectionCodes.MalformedJson, "array", "[1]");
        Add(RejectionCodes.MalformedJson, "duplicate key", Observation(_ => { })[..^1] + ",\"observed_at\":\"2025-01-31T12:00:00Z\"}");
        Add(RejectionCodes.EnvelopeUnstrippedTenantFields, "project_id", Observation(m => m["project_id"] = "p"));
        Add(RejectionCodes.InvalidFormatVersion, "missing", Observation(m => m.Remove("format_version")));
        Add(RejectionCodes.InvalidFormatVersion, "zero", Observation(m => m["format_version"] = 0));
        Add(RejectionCodes.InvalidFormatVersion, "1.0", Observation(_ => { }).Replace("\"format_version\":1", "\"format_version\":1.0"));
        Add(RejectionCodes.UnsupportedFormatVersion, "2", Observation(m => m["format_version"] = 2));
        Add(RejectionCodes.InvalidSourceTable, "empty", Observation(m => m["source_table"] = ""));
        Add(RejectionCodes.InvalidSourceTable, "reserved", Observation(m => m["source_table"] = "__edgesync_x"));
        Add(RejectionCodes.InvalidSchemaHash, "upper case", Observation(m => m["schema_hash"] = DeviceStateHash.ToUpperInvariant()));
        Add(RejectionCodes.InvalidSchemaColumns, "empty columns", Observation(m => m["schema_columns"]!["columns"] = new System.Text.Json.Nodes.JsonArray()));
        Add(RejectionCodes.InvalidSchemaColumns, "table name differs", Observation(m => m["schema_columns"]!["table_name"] = "other"));
        Add(RejectionCodes.InvalidSchemaColumns, "unknown affinity", Observation(m => Column(m, 0)["decl_type_affinity"] = "INT"));
        Add(RejectionCodes.SchemaHashMismatch, "other hash", Observation(m => m["schema_hash"] = new string('f', 64)));
        Add(RejectionCodes.InvalidObservedAt, "missing", Observation(m => m.Remove("observed_at")));
        Add(RejectionCodes.InvalidObservedAt, "number", Observation(m => m["observed_at"] = 1738324800));
        Add(RejectionCodes.InvalidObservedAt, "no offset", Observation(m => m["observed_at"] = "2025-01-31T12:00:00"));
        Add(RejectionCodes.InvalidObservedAt, "space separator", Observation(m => m["observed_at"] = "2025-01-31 12:00:00Z"));
        Add(RejectionCodes.InvalidObservedAt, "date only", Observation(m => m["observed_at"] = "2025-01-31"));
        Add(RejectionCodes.InvalidObservedAt, "impossible date", Observation(m => m["observed_at"] = "2025-02-30T12:00:00Z"));
        Add(RejectionCodes.InvalidObservedAt, "trailing newline", Observation(m => m["observed_at"] = "2025-01-31T12:00:00Z\n"));
        Add(RejectionCodes.InvalidObservedAt, "schema ok, observed_at last", Observation(m => m["observed_at"] = "yesterday"));
        Add(RejectionCodes.InvalidSchemaHash, "schema_hash before observed_at", Observation(m => { m["schema_hash"] = "x"; m["observed_at"] = "x"; }));
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rejects_with_the_exact_code(string code, string @case, string payload)
    {
        var result = SchemaObservationReader.Read(Bytes(payload));

        Assert.False(result.IsAccepted, $"{@case}: accepted");
        Assert.True(code == result.Rejection.Code, $"{@case}: expected {code}, got {result.Rejection.Code} ({result.Rejection.Detail})");
    }

    [Fact]
    public void Payload_too_large()
    {
        var result = SchemaObservationReader.Read(new byte[WireLimits.MaxPayloadBytes + 1]);

        Assert.Equal(RejectionCodes.PayloadTooLarge, result.Rejection!.Code);
    }

    [Fact]
    public void Capture_strategy_is_not_required_for_an_observation()
    {
        Assert.True(SchemaObservationReader.Read(Bytes(Observation(m => m.Remove("capture_strategy")))).IsAccepted);
    }
}
