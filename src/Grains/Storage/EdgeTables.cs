using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace EdgeSync.Storage;

/// <summary>
/// The service tables beside Marten's own, declared through Weasel so that Marten's schema
/// migration creates and evolves them together with the event store.
/// </summary>
public static class EdgeTables
{
    public const string StagedRows = "edge_staged_rows";
    public const string ExportSegments = "edge_export_segments";
    public const string Rejections = "edge_rejections";
    public const string TelemetryPoints = "edge_telemetry_points";
    public const string PendingControls = "edge_pending_controls";
    public const string QuarantinedRows = "edge_quarantined_rows";
    public const string Uploads = "edge_uploads";
    public const string UploadChunks = "edge_upload_chunks";
    public const string UploadKeys = "edge_upload_keys";

    public static IEnumerable<Table> All(string schema)
    {
        yield return StagedRowsTable(schema);
        yield return ExportSegmentsTable(schema);
        yield return RejectionsTable(schema);
        yield return TelemetryPointsTable(schema);
        yield return PendingControlsTable(schema);
        yield return QuarantinedRowsTable(schema);
        yield return UploadsTable(schema);
        yield return UploadChunksTable(schema);
        yield return UploadKeysTable(schema);
    }

    /// <summary>Bulk uploads from their grant to their finalize (docs/storage.md).</summary>
    private static Table UploadsTable(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, Uploads, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<Guid>("upload_id").AsPrimaryKey();
        table.AddColumn<Guid>("project_id").NotNull();
        table.AddColumn<Guid>("device_id").NotNull();
        table.AddColumn<Guid>("lineage_id").NotNull();
        table.AddColumn<string>("source_table").NotNull();
        table.AddColumn<string>("segment_kind").NotNull();
        // granted, uploaded, finalized or refused; a granted upload past expires_at reads as expired.
        table.AddColumn<string>("state").NotNull();
        table.AddColumn("bytes", "bigint");
        table.AddColumn("granted_at", "timestamptz").NotNull();
        table.AddColumn("expires_at", "timestamptz").NotNull();
        table.AddColumn("uploaded_at", "timestamptz");
        table.AddColumn("finalized_at", "timestamptz");
        table.AddColumn("batch_id", "uuid");
        table.AddColumn("rows_ingested", "bigint");
        table.AddColumn<string>("detail");
        table.Indexes.Add(new IndexDefinition("ix_edge_uploads_project_granted") { Columns = ["project_id", "granted_at"] });
        table.Indexes.Add(new IndexDefinition("ix_edge_uploads_device_state") { Columns = ["device_id", "state"] });
        return table;
    }

    /// <summary>The bytes of an uploaded object, in the order they came, about 1 MiB a row.</summary>
    private static Table UploadChunksTable(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, UploadChunks, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<Guid>("upload_id").AsPrimaryKey();
        table.AddColumn<int>("ordinal").AsPrimaryKey();
        table.AddColumn("data", "bytea").NotNull();
        return table;
    }

    /// <summary>The signing key of upload tokens when none is configured: one row, shared by every node.</summary>
    private static Table UploadKeysTable(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, UploadKeys, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<int>("key_id").AsPrimaryKey();
        table.AddColumn("key", "bytea").NotNull();
        table.AddColumn("created_at", "timestamptz").NotNull();
        return table;
    }

    /// <summary>
    /// Row operations taken out of a lineage's way: discarded by an operator or quarantined by the
    /// policy, kept whole (as staged) with the error they met, until re-queued or the lineage is deleted.
    /// </summary>
    private static Table QuarantinedRowsTable(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, QuarantinedRows, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<Guid>("lineage_id").AsPrimaryKey();
        table.AddColumn<Guid>("journal_epoch").AsPrimaryKey();
        table.AddColumn<long>("source_commit_seq").AsPrimaryKey();
        table.AddColumn<Guid>("project_id").NotNull();
        table.AddColumn<Guid>("device_id").NotNull();
        table.AddColumn<string>("source_table").NotNull();
        table.AddColumn<string>("op").NotNull();
        table.AddColumn("pk", "jsonb").NotNull();
        table.AddColumn("row_inline", "jsonb");
        table.AddColumn("row_compressed", "bytea");
        table.AddColumn<int>("bytes").NotNull();
        table.AddColumn<Guid>("batch_id").NotNull();
        // Null for a live row the policy quarantined before it was ever staged.
        table.AddColumn("staged_at", "timestamptz");
        // discarded (an operator) or quarantined (the policy).
        table.AddColumn<string>("kind").NotNull();
        table.AddColumn<string>("error");
        table.AddColumn<string>("actor").NotNull();
        table.AddColumn<string>("reason");
        table.AddColumn("quarantined_at", "timestamptz").NotNull();
        return table;
    }

    private static Table PendingControlsTable(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, PendingControls, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<Guid>("control_id").AsPrimaryKey();
        table.AddColumn<Guid>("lineage_id").NotNull();
        table.AddColumn<Guid>("device_id").NotNull();
        table.AddColumn<string>("source_table").NotNull();
        table.AddColumn<string>("control_kind").NotNull();
        // The exact message sent on the control topic, so a re-send is byte-identical.
        table.AddColumn("payload", "jsonb").NotNull();
        table.AddColumn("created_at", "timestamptz").NotNull();
        table.AddColumn("last_sent_at", "timestamptz");
        table.AddColumn<int>("send_count").NotNull().DefaultValue(0);
        table.AddColumn("acknowledged_at", "timestamptz");
        table.AddColumn("superseded_at", "timestamptz");
        // A url_grant is not sent after its URL expired.
        table.AddColumn("expires_at", "timestamptz");
        table.Indexes.Add(new IndexDefinition("ix_edge_pending_controls_open")
        {
            Columns = ["device_id"],
            Predicate = "acknowledged_at IS NULL AND superseded_at IS NULL",
        });
        return table;
    }

    private static Table StagedRowsTable(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, StagedRows, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<Guid>("lineage_id").AsPrimaryKey();
        table.AddColumn<Guid>("journal_epoch").AsPrimaryKey();
        table.AddColumn<long>("source_commit_seq").AsPrimaryKey();
        table.AddColumn<Guid>("device_id").NotNull();
        table.AddColumn<string>("source_table").NotNull();
        table.AddColumn<string>("op").NotNull();
        table.AddColumn("pk", "jsonb").NotNull();
        // Exactly one of the two holds the row of an insert/update; both are null for a delete.
        table.AddColumn("row_inline", "jsonb");
        table.AddColumn("row_compressed", "bytea");
        table.AddColumn<int>("bytes").NotNull();
        table.AddColumn<string>("staging_reason").NotNull();
        table.AddColumn<Guid>("batch_id").NotNull();
        table.AddColumn("staged_at", "timestamptz").NotNull();
        return table;
    }

    private static Table ExportSegmentsTable(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, ExportSegments, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<Guid>("device_id").AsPrimaryKey();
        table.AddColumn<Guid>("batch_id").AsPrimaryKey();
        table.AddColumn<Guid>("lineage_id").NotNull();
        table.AddColumn<string>("source_table").NotNull();
        table.AddColumn<string>("kind").NotNull();
        table.AddColumn<int>("row_count").NotNull();
        table.AddColumn<string>("status").NotNull();
        table.AddColumn<int>("redeliveries").NotNull().DefaultValue(0);
        table.AddColumn("received_at", "timestamptz").NotNull();
        table.AddColumn("last_received_at", "timestamptz").NotNull();
        return table;
    }

    private static Table RejectionsTable(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, Rejections, SchemaUtils.IdentifierUsage.General));
        table.AddColumn("id", "bigserial").AsPrimaryKey();
        table.AddColumn<Guid>("project_id").NotNull();
        table.AddColumn<Guid>("device_id").NotNull();
        table.AddColumn<string>("topic").NotNull();
        table.AddColumn<string>("source_table");
        table.AddColumn<string>("batch_id");
        table.AddColumn<string>("code").NotNull();
        table.AddColumn<string>("detail").NotNull();
        table.AddColumn<int>("payload_bytes").NotNull();
        table.AddColumn("received_at", "timestamptz").NotNull();
        table.Indexes.Add(new IndexDefinition("ix_edge_rejections_project_time") { Columns = ["project_id", "received_at"] });
        return table;
    }

    /// <summary>
    /// Values of <c>map</c> bindings, one point per data point and source row version. The key
    /// makes re-applying a row version harmless.
    /// </summary>
    private static Table TelemetryPointsTable(string schema)
    {
        var table = new Table(new PostgresqlObjectName(schema, TelemetryPoints, SchemaUtils.IdentifierUsage.General));
        table.AddColumn<Guid>("lineage_id").AsPrimaryKey();
        table.AddColumn<string>("data_point").AsPrimaryKey();
        table.AddColumn<Guid>("journal_epoch").AsPrimaryKey();
        table.AddColumn<long>("commit_seq").AsPrimaryKey();
        table.AddColumn<Guid>("project_id").NotNull();
        table.AddColumn<Guid>("device_id").NotNull();
        table.AddColumn("ts", "timestamptz").NotNull();
        table.AddColumn("value_numeric", "double precision");
        table.AddColumn("value_text", "text");
        table.Indexes.Add(new IndexDefinition("ix_edge_telemetry_points_project_point_ts") { Columns = ["project_id", "data_point", "ts"] });
        return table;
    }
}
