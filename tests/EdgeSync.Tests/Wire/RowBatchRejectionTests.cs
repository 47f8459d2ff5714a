using System.Text;
using System.Text.Json.Nodes;
using EdgeSync.Wire;
using static EdgeSync.Tests.Wire.WirePayloads;

namespace EdgeSync.Tests.Wire;

public class RowBatchRejectionTests
{
    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        void Add(string code, string name, string payload) => data.Add(code, name, payload);

        // malformed_json
        Add(RejectionCodes.MalformedJson, "truncated", "{\"format_version\": 1");
        Add(RejectionCodes.MalformedJson, "empty payload", "");
        Add(RejectionCodes.MalformedJson, "whitespace only", "   ");
        Add(RejectionCodes.MalformedJson, "array root", "[]");
        Add(RejectionCodes.MalformedJson, "string root", "\"batch\"");
        Add(RejectionCodes.MalformedJson, "null root", "null");
        Add(RejectionCodes.MalformedJson, "trailing garbage", Batch(_ => { }) + " x");
        Add(RejectionCodes.MalformedJson, "two objects", Batch(_ => { }) + Batch(_ => { }));
        Add(RejectionCodes.MalformedJson, "comment", "/* hi */" + Batch(_ => { }));
        Add(RejectionCodes.MalformedJson, "trailing comma", Batch(_ => { })[..^1] + ",}");
        Add(RejectionCodes.MalformedJson, "duplicate top-level key", Batch(_ => { })[..^1] + ",\"source_table\":\"other\"}");
        Add(RejectionCodes.MalformedJson, "duplicate key inside pk",
            Batch(_ => { }).Replace("\"pk\":{\"id\":1}", "\"pk\":{\"id\":1,\"id\":2}"));
        Add(RejectionCodes.MalformedJson, "duplicate key spelled with an escape", "{\"format_version\":1,\"format\\u005fversion\":1}");
        Add(RejectionCodes.MalformedJson, "nested deeper than 16", Batch(m => Row(m, 0)["row"]!["mode"] = Nest(20)));
        Add(RejectionCodes.MalformedJson, "unpaired surrogate escape in a value",
            Batch(_ => { }).Replace("\"cooling\"", "\"cool\\ud800ing\""));
        Add(RejectionCodes.MalformedJson, "unpaired surrogate escape in a key", "{\"\\udc00\":1,\"format_version\":1}");
        Add(RejectionCodes.MalformedJson, "NaN literal", "{\"format_version\":NaN}");
        Add(RejectionCodes.MalformedJson, "single quotes", "{'format_version':1}");

        // envelope_unstripped_tenant_fields (any value, even null) — before every field rule
        foreach (var field in new[] { "org_id", "project_id", "fleet_id", "device_id" })
            Add(RejectionCodes.EnvelopeUnstrippedTenantFields, field, Batch(m => m[field] = "0192f5c4-8d2e-7b31-9f0a-3c5e7d9b1a20"));
        Add(RejectionCodes.EnvelopeUnstrippedTenantFields, "device_id null", Batch(m => m["device_id"] = null));
        Add(RejectionCodes.EnvelopeUnstrippedTenantFields, "tenant field and bad format_version", Batch(m => { m["org_id"] = 1; m["format_version"] = 0; }));

        // invalid_format_version
        Add(RejectionCodes.InvalidFormatVersion, "missing", Batch(m => m.Remove("format_version")));
        Add(RejectionCodes.InvalidFormatVersion, "zero", Batch(m => m["format_version"] = 0));
        Add(RejectionCodes.InvalidFormatVersion, "negative", Batch(m => m["format_version"] = -1));
        Add(RejectionCodes.InvalidFormatVersion, "null", Batch(m => m["format_version"] = null));
        Add(RejectionCodes.InvalidFormatVersion, "string", Batch(m => m["format_version"] = "1"));
        Add(RejectionCodes.InvalidFormatVersion, "boolean", Batch(m => m["format_version"] = true));
        Add(RejectionCodes.InvalidFormatVersion, "1.0", Batch(_ => { }).Replace("\"format_version\":1", "\"format_version\":1.0"));
        Add(RejectionCodes.InvalidFormatVersion, "1e0", Batch(_ => { }).Replace("\"format_version\":1", "\"format_version\":1e0"));
        Add(RejectionCodes.InvalidFormatVersion, "1.5", Batch(m => m["format_version"] = 1.5));

        // unsupported_format_version
        Add(RejectionCodes.UnsupportedFormatVersion, "2", Batch(m => m["format_version"] = 2));
        Add(RejectionCodes.UnsupportedFormatVersion, "beyond 64 bits", Batch(_ => { }).Replace("\"format_version\":1", "\"format_version\":99999999999999999999"));

        // invalid_capture_strategy
        Add(RejectionCodes.InvalidCaptureStrategy, "missing", Batch(m => m.Remove("capture_strategy")));
        Add(RejectionCodes.InvalidCaptureStrategy, "telemetry strategy", Batch(m => m["capture_strategy"] = "sqlite_telemetry_batch_v1"));
        Add(RejectionCodes.InvalidCaptureStrategy, "other case", Batch(m => m["capture_strategy"] = "SQLITE_ROW_BATCH_V1"));
        Add(RejectionCodes.InvalidCaptureStrategy, "number", Batch(m => m["capture_strategy"] = 1));

        // invalid_batch_id / invalid_journal_epoch
        foreach (var (field, code) in new[] { ("batch_id", RejectionCodes.InvalidBatchId), ("journal_epoch", RejectionCodes.InvalidJournalEpoch) })
        {
            Add(code, $"{field} missing", Batch(m => m.Remove(field)));
            Add(code, $"{field} null", Batch(m => m[field] = null));
            Add(code, $"{field} empty", Batch(m => m[field] = ""));
            Add(code, $"{field} version 4", Batch(m => m[field] = "0192f5c4-8d2e-4b31-9f0a-3c5e7d9b1a20"));
            Add(code, $"{field} NCS variant", Batch(m => m[field] = "0192f5c4-8d2e-7b31-7f0a-3c5e7d9b1a20"));
            Add(code, $"{field} Microsoft variant", Batch(m => m[field] = "0192f5c4-8d2e-7b31-cf0a-3c5e7d9b1a20"));
            Add(code, $"{field} nil", Batch(m => m[field] = "00000000-0000-0000-0000-000000000000"));
            Add(code, $"{field} without hyphens", Batch(m => m[field] = "0192f5c48d2e7b319f0a3c5e7d9b1a20"));
            Add(code, $"{field} in braces", Batch(m => m[field] = "{0192f5c4-8d2e-7b31-9f0a-3c5e7d9b1a20}"));
            Add(code, $"{field} with spaces", Batch(m => m[field] = " 0192f5c4-8d2e-7b31-9f0a-3c5e7d9b1a20"));
            Add(code, $"{field} not hex", Batch(m => m[field] = "0192f5c4-8d2e-7b31-9f0a-3c5e7d9b1a2g"));
            Add(code, $"{field} number", Batch(m => m[field] = 7));
        }

        // invalid_source_table
        Add(RejectionCodes.InvalidSourceTable, "missing", Batch(m => m.Remove("source_table")));
        Add(RejectionCodes.InvalidSourceTable, "null", Batch(m => m["source_table"] = null));
        Add(RejectionCodes.InvalidSourceTable, "number", Batch(m => m["source_table"] = 3));
        Add(RejectionCodes.InvalidSourceTable, "empty", Batch(m => m["source_table"] = ""));
        Add(RejectionCodes.InvalidSourceTable, "256 ASCII bytes", Batch(m => m["source_table"] = new string('t', 256)));
        Add(RejectionCodes.InvalidSourceTable, "128 × é = 256 UTF-8 bytes", Batch(m => m["source_table"] = new string('é', 128)));
        Add(RejectionCodes.InvalidSourceTable, "tab", Batch(m => m["source_table"] = "device\tstate"));
        Add(RejectionCodes.InvalidSourceTable, "NUL", Batch(m => m["source_table"] = "device\u0000state"));
        Add(RejectionCodes.InvalidSourceTable, "DEL", Batch(m => m["source_table"] = "device\u007fstate"));
        Add(RejectionCodes.InvalidSourceTable, "C1 NEL", Batch(m => m["source_table"] = "device\u0085state"));
        Add(RejectionCodes.InvalidSourceTable, "sqlite_master", Batch(m => m["source_table"] = "sqlite_master"));
        Add(RejectionCodes.InvalidSourceTable, "SQLite_Sequence", Batch(m => m["source_table"] = "SQLite_Sequence"));
        Add(RejectionCodes.InvalidSourceTable, "__omega_journal", Batch(m => m["source_table"] = "__omega_journal"));
        Add(RejectionCodes.InvalidSourceTable, "__EdgeSync_state", Batch(m => m["source_table"] = "__EdgeSync_state"));

        // invalid_schema_hash
        Add(RejectionCodes.InvalidSchemaHash, "missing", Batch(m => m.Remove("schema_hash")));
        Add(RejectionCodes.InvalidSchemaHash, "upper case", Batch(m => m["schema_hash"] = DeviceStateHash.ToUpperInvariant()));
        Add(RejectionCodes.InvalidSchemaHash, "63 characters", Batch(m => m["schema_hash"] = DeviceStateHash[..63]));
        Add(RejectionCodes.InvalidSchemaHash, "65 characters", Batch(m => m["schema_hash"] = DeviceStateHash + "0"));
        Add(RejectionCodes.InvalidSchemaHash, "not hex", Batch(m => m["schema_hash"] = "g" + DeviceStateHash[1..]));
        Add(RejectionCodes.InvalidSchemaHash, "sha256: prefix", Batch(m => m["schema_hash"] = "sha256:" + DeviceStateHash[7..]));
        Add(RejectionCodes.InvalidSchemaHash, "number", Batch(m => m["schema_hash"] = 12));

        // invalid_schema_columns
        Add(RejectionCodes.InvalidSchemaColumns, "array", Batch(m => m["schema_columns"] = new JsonArray()));
        Add(RejectionCodes.InvalidSchemaColumns, "string", Batch(m => m["schema_columns"] = "device_state"));
        Add(RejectionCodes.InvalidSchemaColumns, "columns empty", Batch(m => m["schema_columns"]!["columns"] = new JsonArray()));
        Add(RejectionCodes.InvalidSchemaColumns, "columns missing", Batch(m => m["schema_columns"]!.AsObject().Remove("columns")));
        Add(RejectionCodes.InvalidSchemaColumns, "columns an object", Batch(m => m["schema_columns"]!["columns"] = new JsonObject()));
        Add(RejectionCodes.InvalidSchemaColumns, "column not an object", Batch(m => m["schema_columns"]!["columns"]!.AsArray().Add("x")));
        Add(RejectionCodes.InvalidSchemaColumns, "table_name missing", Batch(m => m["schema_columns"]!.AsObject().Remove("table_name")));
        Add(RejectionCodes.InvalidSchemaColumns, "table_name differs", Batch(m => m["schema_columns"]!["table_name"] = "Device_State"));
        Add(RejectionCodes.InvalidSchemaColumns, "table_name a number", Batch(m => m["schema_columns"]!["table_name"] = 1));
        Add(RejectionCodes.InvalidSchemaColumns, "unknown field in schema_columns", Batch(m => m["schema_columns"]!["version"] = 1));
        Add(RejectionCodes.InvalidSchemaColumns, "unknown field in a column", Batch(m => Column(m, 1)["default"] = "x"));
        Add(RejectionCodes.InvalidSchemaColumns, "duplicate name", Batch(m => Column(m, 1)["name"] = "id"));
        Add(RejectionCodes.InvalidSchemaColumns, "duplicate name ignoring ASCII case", Batch(m => Column(m, 1)["name"] = "ID"));
        Add(RejectionCodes.InvalidSchemaColumns, "name missing", Batch(m => Column(m, 1).Remove("name")));
        Add(RejectionCodes.InvalidSchemaColumns, "name a number", Batch(m => Column(m, 1)["name"] = 5));
        Add(RejectionCodes.InvalidSchemaColumns, "affinity VARCHAR", Batch(m => Column(m, 1)["decl_type_affinity"] = "VARCHAR"));
        Add(RejectionCodes.InvalidSchemaColumns, "affinity lower case", Batch(m => Column(m, 1)["decl_type_affinity"] = "text"));
        Add(RejectionCodes.InvalidSchemaColumns, "affinity missing", Batch(m => Column(m, 1).Remove("decl_type_affinity")));
        Add(RejectionCodes.InvalidSchemaColumns, "not_null a string", Batch(m => Column(m, 1)["not_null"] = "false"));
        Add(RejectionCodes.InvalidSchemaColumns, "not_null 0", Batch(m => Column(m, 1)["not_null"] = 0));
        Add(RejectionCodes.InvalidSchemaColumns, "pk_ordinal missing", Batch(m => Column(m, 1).Remove("pk_ordinal")));
        Add(RejectionCodes.InvalidSchemaColumns, "pk_ordinal negative", Batch(m => Column(m, 1)["pk_ordinal"] = -1));
        Add(RejectionCodes.InvalidSchemaColumns, "pk_ordinal 1.0", Batch(_ => { }).Replace("\"pk_ordinal\":1", "\"pk_ordinal\":1.0"));
        Add(RejectionCodes.InvalidSchemaColumns, "pk_ordinal a string", Batch(m => Column(m, 0)["pk_ordinal"] = "1"));
        Add(RejectionCodes.InvalidSchemaColumns, "pk ordinals start at 2", Batch(m => Column(m, 0)["pk_ordinal"] = 2));
        Add(RejectionCodes.InvalidSchemaColumns, "pk ordinals 1, 1", Batch(m => Column(m, 1)["pk_ordinal"] = 1));
        Add(RejectionCodes.InvalidSchemaColumns, "pk ordinals 1, 3", Batch(m => Column(m, 1)["pk_ordinal"] = 3));

        // schema_hash_mismatch
        Add(RejectionCodes.SchemaHashMismatch, "hash of something else", Batch(m => m["schema_hash"] = new string('0', 64)));
        Add(RejectionCodes.SchemaHashMismatch, "nullability changed", Batch(m => Column(m, 1)["not_null"] = true));
        Add(RejectionCodes.SchemaHashMismatch, "affinity changed", Batch(m => Column(m, 2)["decl_type_affinity"] = "NUMERIC"));
        Add(RejectionCodes.SchemaHashMismatch, "column added", Batch(m => m["schema_columns"]!["columns"]!.AsArray().Add(
            new JsonObject { ["decl_type_affinity"] = "TEXT", ["name"] = "label", ["not_null"] = false, ["pk_ordinal"] = 0 })));

        // empty_batch
        Add(RejectionCodes.EmptyBatch, "rows empty", Batch(m => m["rows"] = new JsonArray()));
        Add(RejectionCodes.EmptyBatch, "rows missing", Batch(m => m.Remove("rows")));
        Add(RejectionCodes.EmptyBatch, "rows null", Batch(m => m["rows"] = null));

        // batch_too_many_rows
        Add(RejectionCodes.BatchTooManyRows, "4097 rows", BatchOfDeletes(4097));

        // payload_too_large is a Fact below (it is checked before parsing).

        // commit_seq_range_mismatch
        Add(RejectionCodes.CommitSeqRangeMismatch, "first differs", Batch(m => m["first_commit_seq"] = 100));
        Add(RejectionCodes.CommitSeqRangeMismatch, "last differs", Batch(m => m["last_commit_seq"] = 104));
        Add(RejectionCodes.CommitSeqRangeMismatch, "first and last swapped", Batch(m => { m["first_commit_seq"] = 103; m["last_commit_seq"] = 101; }));
        Add(RejectionCodes.CommitSeqRangeMismatch, "first missing", Batch(m => m.Remove("first_commit_seq")));
        Add(RejectionCodes.CommitSeqRangeMismatch, "last null", Batch(m => m["last_commit_seq"] = null));
        Add(RejectionCodes.CommitSeqRangeMismatch, "first a string", Batch(m => m["first_commit_seq"] = "101"));
        Add(RejectionCodes.CommitSeqRangeMismatch, "repeated commit_seq", Batch(m => Row(m, 1)["commit_seq"] = 101));
        Add(RejectionCodes.CommitSeqRangeMismatch, "decreasing commit_seq", Batch(m => { Row(m, 1)["commit_seq"] = 100; }));
        Add(RejectionCodes.CommitSeqRangeMismatch, "row commit_seq missing", Batch(m => Row(m, 1).Remove("commit_seq")));
        Add(RejectionCodes.CommitSeqRangeMismatch, "row commit_seq 102.5", Batch(m => Row(m, 1)["commit_seq"] = 102.5));
        Add(RejectionCodes.CommitSeqRangeMismatch, "row commit_seq 102.0",
            Batch(_ => { }).Replace("\"commit_seq\":102", "\"commit_seq\":102.0"));
        Add(RejectionCodes.CommitSeqRangeMismatch, "row commit_seq 1.02e2",
            Batch(_ => { }).Replace("\"commit_seq\":102", "\"commit_seq\":1.02e2"));
        Add(RejectionCodes.CommitSeqRangeMismatch, "first_commit_seq 1.01e2",
            Batch(_ => { }).Replace("\"first_commit_seq\":101", "\"first_commit_seq\":1.01e2"));
        Add(RejectionCodes.CommitSeqRangeMismatch, "row commit_seq a string", Batch(m => Row(m, 1)["commit_seq"] = "102"));
        Add(RejectionCodes.CommitSeqRangeMismatch, "zero", Batch(m => { m["first_commit_seq"] = 0; Row(m, 0)["commit_seq"] = 0; }));
        Add(RejectionCodes.CommitSeqRangeMismatch, "negative", Batch(m => { m["first_commit_seq"] = -5; Row(m, 0)["commit_seq"] = -5; }));
        Add(RejectionCodes.CommitSeqRangeMismatch, "beyond 64 bits",
            Batch(_ => { }).Replace("\"last_commit_seq\":103", "\"last_commit_seq\":9223372036854775808")
                           .Replace("\"commit_seq\":103", "\"commit_seq\":9223372036854775808"));

        // invalid_op
        Add(RejectionCodes.InvalidOp, "upper case", Batch(m => Row(m, 0)["op"] = "UPDATE"));
        Add(RejectionCodes.InvalidOp, "upsert", Batch(m => Row(m, 1)["op"] = "upsert"));
        Add(RejectionCodes.InvalidOp, "missing", Batch(m => Row(m, 2).Remove("op")));
        Add(RejectionCodes.InvalidOp, "number", Batch(m => Row(m, 0)["op"] = 1));

        // invalid_pk
        Add(RejectionCodes.InvalidPk, "missing", Batch(m => Row(m, 0).Remove("pk")));
        Add(RejectionCodes.InvalidPk, "null", Batch(m => Row(m, 0)["pk"] = null));
        Add(RejectionCodes.InvalidPk, "empty object", Batch(m => Row(m, 0)["pk"] = new JsonObject()));
        Add(RejectionCodes.InvalidPk, "array", Batch(m => Row(m, 0)["pk"] = new JsonArray(1)));
        Add(RejectionCodes.InvalidPk, "scalar", Batch(m => Row(m, 0)["pk"] = 1));
        Add(RejectionCodes.InvalidPk, "nested value", Batch(m => Row(m, 0)["pk"] = new JsonObject { ["id"] = new JsonObject { ["v"] = 1 } }));
        Add(RejectionCodes.InvalidPk, "not the key column (schema known)", Batch(m => Row(m, 2)["pk"] = new JsonObject { ["mode"] = "idle" }));
        Add(RejectionCodes.InvalidPk, "extra column (schema known)", Batch(m => Row(m, 2)["pk"] = new JsonObject { ["id"] = 7, ["mode"] = "idle" }));
        Add(RejectionCodes.InvalidPk, "other case (schema known)", Batch(m => Row(m, 2)["pk"] = new JsonObject { ["ID"] = 7 }));

        // invalid_row
        Add(RejectionCodes.InvalidRow, "rows not an array", Batch(m => m["rows"] = "rows"));
        Add(RejectionCodes.InvalidRow, "rows an object", Batch(m => m["rows"] = new JsonObject()));
        Add(RejectionCodes.InvalidRow, "a rows entry not an object", Batch(m => m["rows"]!.AsArray().Insert(1, 5)));
        Add(RejectionCodes.InvalidRow, "insert with null row", Batch(m => Row(m, 1)["row"] = null));
        Add(RejectionCodes.InvalidRow, "update without row", Batch(m => Row(m, 0).Remove("row")));
        Add(RejectionCodes.InvalidRow, "update with an array", Batch(m => Row(m, 0)["row"] = new JsonArray()));
        Add(RejectionCodes.InvalidRow, "update with an empty object", Batch(m => Row(m, 0)["row"] = new JsonObject()));
        Add(RejectionCodes.InvalidRow, "update with a nested value", Batch(m => Row(m, 0)["row"]!["mode"] = new JsonArray("a")));
        Add(RejectionCodes.InvalidRow, "delete with a row", Batch(m => Row(m, 2)["row"] = new JsonObject { ["id"] = 7 }));
        Add(RejectionCodes.InvalidRow, "delete with a string", Batch(m => Row(m, 2)["row"] = "gone"));
        Add(RejectionCodes.InvalidRow, "unknown column (schema known)", Batch(m => Row(m, 1)["row"]!["colour"] = "red"));

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rejects_with_the_exact_code(string code, string @case, string payload)
    {
        var result = RowBatchReader.Read(Bytes(payload));

        Assert.False(result.IsAccepted, $"{@case}: accepted");
        Assert.True(code == result.Rejection.Code, $"{@case}: expected {code}, got {result.Rejection.Code} ({result.Rejection.Detail})");
        Assert.False(string.IsNullOrWhiteSpace(result.Rejection.Detail));
        Assert.Null(result.Value);
    }

    [Fact]
    public void Payload_too_large_is_checked_before_parsing()
    {
        var garbage = new byte[WireLimits.MaxPayloadBytes + 1];
        var result = RowBatchReader.Read(garbage);

        Assert.Equal(RejectionCodes.PayloadTooLarge, result.Rejection!.Code);
        Assert.Contains("524289", result.Rejection.Detail);
    }

    [Fact]
    public void Payload_of_exactly_512_KiB_is_read()
    {
        var batch = Batch(_ => { });
        var padded = batch[..^1] + new string(' ', WireLimits.MaxPayloadBytes - Encoding.UTF8.GetByteCount(batch)) + "}";
        var bytes = Encoding.UTF8.GetBytes(padded);
        Assert.Equal(512 * 1024, bytes.Length);

        var result = RowBatchReader.Read(bytes);

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Equal(524288, result.Value.PayloadBytes);
        Assert.Equal(RejectionCodes.PayloadTooLarge, RowBatchReader.Read(Encoding.UTF8.GetBytes(padded + " ")).Rejection!.Code);
    }

    [Fact]
    public void Invalid_utf8_is_malformed_json()
    {
        var bytes = Encoding.UTF8.GetBytes(Batch(_ => { }).Replace("cooling", "cool~ng"));
        bytes[Array.IndexOf(bytes, (byte)'~')] = 0xFF;

        Assert.Equal(RejectionCodes.MalformedJson, RowBatchReader.Read(bytes).Rejection!.Code);
    }

    [Fact]
    public void Byte_order_mark_is_malformed_json()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(Batch(_ => { }))).ToArray();

        Assert.Equal(RejectionCodes.MalformedJson, RowBatchReader.Read(bytes).Rejection!.Code);
    }

    /// <summary>When several things are wrong, the first in the protocol's table order wins.</summary>
    [Theory]
    [InlineData(RejectionCodes.InvalidFormatVersion, "format_version + batch_id + source_table")]
    [InlineData(RejectionCodes.InvalidBatchId, "batch_id + journal_epoch + source_table")]
    [InlineData(RejectionCodes.InvalidSourceTable, "source_table + schema_hash")]
    [InlineData(RejectionCodes.InvalidSchemaColumns, "schema_columns + empty rows")]
    [InlineData(RejectionCodes.CommitSeqRangeMismatch, "op on row 0 + commit_seq on row 2")]
    [InlineData(RejectionCodes.InvalidOp, "pk on row 0 + op on row 2")]
    [InlineData(RejectionCodes.InvalidPk, "row on row 0 + pk on row 2")]
    public void First_failure_in_table_order_wins(string code, string @case)
    {
        var payload = @case switch
        {
            "format_version + batch_id + source_table" => Batch(m => { m["format_version"] = 0; m["batch_id"] = "x"; m["source_table"] = ""; }),
            "batch_id + journal_epoch + source_table" => Batch(m => { m["batch_id"] = "x"; m["journal_epoch"] = "y"; m["source_table"] = ""; }),
            "source_table + schema_hash" => Batch(m => { m["source_table"] = "sqlite_x"; m["schema_hash"] = "x"; }),
            "schema_columns + empty rows" => Batch(m => { m["schema_columns"]!["columns"] = new JsonArray(); m["rows"] = new JsonArray(); }),
            "op on row 0 + commit_seq on row 2" => Batch(m => { Row(m, 0)["op"] = "x"; Row(m, 2)["commit_seq"] = 1; }),
            "pk on row 0 + op on row 2" => Batch(m => { Row(m, 0)["pk"] = null; Row(m, 2)["op"] = "x"; }),
            "row on row 0 + pk on row 2" => Batch(m => { Row(m, 0)["row"] = null; Row(m, 2)["pk"] = null; }),
            _ => throw new ArgumentOutOfRangeException(nameof(@case)),
        };

        Assert.Equal(code, RowBatchReader.Read(Bytes(payload)).Rejection!.Code);
    }

    [Fact]
    public void Detail_names_the_field_and_row()
    {
        var rejection = RowBatchReader.Read(Bytes(Batch(m => Row(m, 1)["op"] = "upsert"))).Rejection!;

        Assert.Equal(RejectionCodes.InvalidOp, rejection.Code);
        Assert.Contains("rows[1].op", rejection.Detail);
        Assert.Contains("upsert", rejection.Detail);
    }

    private static JsonNode Nest(int depth)
    {
        JsonNode node = 1;
        for (var i = 0; i < depth; i++) node = new JsonArray(node);
        return node;
    }
}
