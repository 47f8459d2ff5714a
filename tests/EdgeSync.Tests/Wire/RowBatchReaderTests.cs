using System.Text.Json.Nodes;
using EdgeSync.Wire;
using static EdgeSync.Tests.Wire.WirePayloads;

namespace EdgeSync.Tests.Wire;

public class RowBatchReaderTests
{
    [Fact]
    public void Reads_the_spec_example_with_schema_columns()
    {
        var payload = Bytes(Batch(_ => { }));
        var result = RowBatchReader.Read(payload);

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Null(result.Rejection);
        var batch = result.Value;
        Assert.Equal(Guid.Parse(BatchId), batch.BatchId);
        Assert.Equal(Guid.Parse(JournalEpoch), batch.JournalEpoch);
        Assert.Equal("device_state", batch.SourceTable);
        Assert.Equal(DeviceStateHash, batch.SchemaHash);
        Assert.Equal(101, batch.FirstCommitSeq);
        Assert.Equal(103, batch.LastCommitSeq);
        Assert.Equal(payload.Length, batch.PayloadBytes);

        Assert.NotNull(batch.SchemaColumns);
        Assert.Equal("device_state", batch.SchemaColumns.TableName);
        Assert.Equal(DeviceStateHash, batch.SchemaColumns.ComputeHash());
        Assert.Equal(
            [new SchemaColumn("id", "INTEGER", true, 1), new SchemaColumn("mode", "TEXT", false, 0), new SchemaColumn("setpoint", "REAL", false, 0)],
            batch.SchemaColumns.Columns);
        Assert.Equal(["id"], batch.SchemaColumns.PrimaryKey.Select(c => c.Name));

        Assert.Equal(
            [
                new RowOperation(101, "update", """{"id":1}""", """{"id":1,"mode":"cooling","setpoint":21}"""),
                new RowOperation(102, "insert", """{"id":7}""", """{"id":7,"mode":"idle","setpoint":19.5}"""),
                new RowOperation(103, "delete", """{"id":7}""", null),
            ],
            batch.Rows);
    }

    [Fact]
    public void Reads_a_batch_without_schema_columns_and_does_not_check_row_columns()
    {
        var result = RowBatchReader.Read(Bytes(Batch(m =>
        {
            m.Remove("schema_columns");
            m["schema_hash"] = new string('a', 64);            // nothing to recompute it from
            Row(m, 0)["pk"] = new JsonObject { ["anything"] = 1 };
            Row(m, 1)["row"]!["colour"] = "red";
        })));

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Null(result.Value.SchemaColumns);
        Assert.Equal(new string('a', 64), result.Value.SchemaHash);
        Assert.Equal("""{"anything":1}""", result.Value.Rows[0].PkJson);
    }

    [Fact]
    public void Null_schema_columns_is_the_same_as_absent()
    {
        var result = RowBatchReader.Read(Bytes(Batch(m => m["schema_columns"] = null)));

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Null(result.Value.SchemaColumns);
    }

    [Fact]
    public void Pk_and_row_json_are_kept_exactly_as_received()
    {
        // Whitespace, escapes, key order, number spelling and big integers are not normalized.
        const string pk = """{ "site" : "caf\u00e9", "n":  -0 }""";
        const string row = """{"site":"caf\u00e9" ,"n":-0,"v":1.50E+2,"big":9223372036854775807,"s":"\"q\" \\ \n 😀","nothing":null}""";
        var payload = $$"""
            {"format_version":1,"capture_strategy":"sqlite_row_batch_v1","batch_id":"{{BatchId}}","journal_epoch":"{{JournalEpoch}}",
             "source_table":"kv","schema_hash":"{{DeviceStateHash}}","first_commit_seq":9223372036854775806,"last_commit_seq":9223372036854775807,
             "rows":[{"commit_seq":9223372036854775806,"op":"insert","pk":{{pk}},"row":{{row}}},
                     {"row":null,"pk":{{pk}},"op":"delete","commit_seq":9223372036854775807}]}
            """;

        var result = RowBatchReader.Read(Bytes(payload));

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Equal(pk, result.Value.Rows[0].PkJson);
        Assert.Equal(row, result.Value.Rows[0].RowJson);
        Assert.Equal(pk, result.Value.Rows[1].PkJson);
        Assert.Null(result.Value.Rows[1].RowJson);
        Assert.Equal(long.MaxValue, result.Value.LastCommitSeq);
    }

    [Theory]
    [InlineData("insert")]
    [InlineData("update")]
    public void Single_row_insert_or_update(string op)
    {
        var result = RowBatchReader.Read(Bytes(Batch(m =>
        {
            m["rows"] = new JsonArray(new JsonObject
            {
                ["commit_seq"] = 1, ["op"] = op, ["pk"] = new JsonObject { ["id"] = 5 },
                ["row"] = new JsonObject { ["id"] = 5, ["mode"] = null },   // columns may be left out; null values are fine
            });
            m["first_commit_seq"] = 1;
            m["last_commit_seq"] = 1;
        })));

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Equal(op, result.Value.Rows.Single().Op);
        Assert.Equal("""{"id":5,"mode":null}""", result.Value.Rows.Single().RowJson);
    }

    [Fact]
    public void Delete_without_a_row_field_is_read_as_null()
    {
        var result = RowBatchReader.Read(Bytes(Batch(m => Row(m, 2).Remove("row"))));

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Null(result.Value.Rows[2].RowJson);
    }

    [Fact]
    public void Gaps_in_commit_seq_are_allowed()
    {
        var result = RowBatchReader.Read(Bytes(Batch(m => { Row(m, 1)["commit_seq"] = 102; Row(m, 2)["commit_seq"] = 1000; m["last_commit_seq"] = 1000; })));

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Equal([101L, 102L, 1000L], result.Value.Rows.Select(r => r.CommitSeq));
    }

    [Fact]
    public void Unicode_and_escaped_names_from_the_vectors_are_accepted()
    {
        var vector = FingerprintVectors.Capteurs;
        var columns = new JsonArray(vector.Columns.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name, ["decl_type_affinity"] = c.Affinity, ["not_null"] = c.NotNull, ["pk_ordinal"] = c.PkOrdinal,
        }).ToArray());
        var result = RowBatchReader.Read(Bytes(Batch(m =>
        {
            m["source_table"] = vector.Table;
            m["schema_hash"] = vector.Hash;
            m["schema_columns"] = new JsonObject { ["table_name"] = vector.Table, ["columns"] = columns };
            m["rows"] = new JsonArray(new JsonObject
            {
                ["commit_seq"] = 101, ["op"] = "insert", ["pk"] = new JsonObject { ["id"] = "x" },
                ["row"] = new JsonObject { ["id"] = "x", ["température"] = 21.5, ["we\"ird\\name"] = "w", ["😀"] = "smile", ["tab\tname"] = 1 },
            });
            m["last_commit_seq"] = 101;
        })));

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Equal(vector.Hash, result.Value.SchemaColumns!.ComputeHash());
    }

    [Theory]
    [InlineData(true, "{\"ts\":5,\"site\":\"a\",\"sensor\":\"t1\"}")]
    [InlineData(false, "{\"site\":\"a\",\"sensor\":\"t1\"}")]
    [InlineData(false, "{\"site\":\"a\",\"sensor\":\"t1\",\"ts\":5,\"value\":1}")]
    public void Composite_key_pk_must_name_exactly_the_key_columns(bool accepted, string pk)
    {
        var vector = FingerprintVectors.Readings;
        var result = RowBatchReader.Read(Bytes(Batch(m =>
        {
            m["source_table"] = vector.Table;
            m["schema_hash"] = vector.Hash;
            m["schema_columns"] = new JsonObject
            {
                ["table_name"] = vector.Table,
                ["columns"] = new JsonArray(vector.Columns.Select(c => (JsonNode)new JsonObject
                {
                    ["name"] = c.Name, ["decl_type_affinity"] = c.Affinity, ["not_null"] = c.NotNull, ["pk_ordinal"] = c.PkOrdinal,
                }).ToArray()),
            };
            m["rows"] = new JsonArray(new JsonObject { ["commit_seq"] = 101, ["op"] = "delete", ["pk"] = JsonNode.Parse(pk), ["row"] = null });
            m["last_commit_seq"] = 101;
        })));

        Assert.True(accepted == result.IsAccepted, result.ToString());
        if (!accepted) Assert.Equal(RejectionCodes.InvalidPk, result.Rejection!.Code);
    }

    [Fact]
    public void Table_without_primary_key_accepts_any_non_empty_pk()
    {
        var vector = FingerprintVectors.EventLog;
        var result = RowBatchReader.Read(Bytes(Batch(m =>
        {
            m["source_table"] = vector.Table;
            m["schema_hash"] = vector.Hash;
            m["schema_columns"] = JsonNode.Parse("""
                {"table_name":"event_log","columns":[
                  {"name":"message","decl_type_affinity":"TEXT","not_null":false,"pk_ordinal":0},
                  {"name":"level","decl_type_affinity":"INTEGER","not_null":false,"pk_ordinal":0}]}
                """);
            m["rows"] = new JsonArray(new JsonObject
            {
                ["commit_seq"] = 101, ["op"] = "insert", ["pk"] = new JsonObject { ["rowid"] = 12 },
                ["row"] = new JsonObject { ["message"] = "boot", ["level"] = 2 },
            });
            m["last_commit_seq"] = 101;
        })));

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Empty(result.Value.SchemaColumns!.PrimaryKey);
    }

    [Fact]
    public void Schema_columns_in_any_order_are_accepted_and_held_sorted()
    {
        var result = RowBatchReader.Read(Bytes(Batch(m =>
        {
            var columns = m["schema_columns"]!["columns"]!.AsArray();
            var reversed = columns.Reverse().Select(c => c!.DeepClone()).ToArray();
            m["schema_columns"]!["columns"] = new JsonArray(reversed);
        })));

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Equal(["id", "mode", "setpoint"], result.Value.SchemaColumns!.Columns.Select(c => c.Name));
    }

    [Fact]
    public void Unknown_fields_and_nested_tenant_like_names_are_ignored()
    {
        var result = RowBatchReader.Read(Bytes(Batch(m =>
        {
            m["agent_version"] = "2.4.1";
            m["extra"] = new JsonObject { ["device_id"] = "not top level" };
            m["Device_Id"] = "other case is not a tenant field";
        })));

        Assert.True(result.IsAccepted, result.ToString());
    }

    [Theory]
    [InlineData("0192F5C4-8D2E-7B31-9F0A-3C5E7D9B1A20")]
    [InlineData("0192f5c4-8d2e-7b31-af0a-3c5e7d9b1a20")]
    [InlineData("0192f5c4-8d2e-7b31-bf0a-3c5e7d9b1a20")]
    [InlineData("0192f5c4-8d2e-7b31-8f0a-3c5e7d9b1a20")]
    public void Batch_id_in_either_case_and_every_rfc_variant_digit_is_accepted(string batchId)
    {
        var result = RowBatchReader.Read(Bytes(Batch(m => m["batch_id"] = batchId)));

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Equal(Guid.Parse(batchId), result.Value.BatchId);
    }

    [Theory]
    [InlineData("device_state")]
    [InlineData("my_sqlite_table")]
    [InlineData("sqlite")]
    [InlineData("_omega_x")]
    [InlineData("température")]
    [InlineData("table with spaces")]
    public void Ordinary_source_tables_are_accepted(string table)
    {
        var result = RowBatchReader.Read(Bytes(Batch(m => { m["source_table"] = table; m.Remove("schema_columns"); })));

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Equal(table, result.Value.SourceTable);
    }

    [Fact]
    public void Source_table_of_exactly_255_utf8_bytes_is_accepted()
    {
        var table = new string('é', 127) + "x";   // 254 + 1 bytes
        var result = RowBatchReader.Read(Bytes(Batch(m => { m["source_table"] = table; m.Remove("schema_columns"); })));

        Assert.True(result.IsAccepted, result.ToString());
    }

    [Fact]
    public void Batch_of_4096_rows_is_accepted()
    {
        var result = RowBatchReader.Read(Bytes(BatchOfDeletes(4096)));

        Assert.True(result.IsAccepted, result.ToString());
        Assert.Equal(4096, result.Value.Rows.Count);
        Assert.Equal(4096, result.Value.LastCommitSeq);
    }
}
