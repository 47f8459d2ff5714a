namespace EdgeSync.Wire;

/// <summary>
/// The rejection codes of the wire protocol (docs/device-protocol.md, "Validation and rejection
/// codes"). Devices in the field know these strings: never rename them.
/// </summary>
public static class RejectionCodes
{
    public const string MalformedJson = "malformed_json";
    public const string EnvelopeUnstrippedTenantFields = "envelope_unstripped_tenant_fields";
    public const string InvalidFormatVersion = "invalid_format_version";
    public const string UnsupportedFormatVersion = "unsupported_format_version";
    public const string InvalidCaptureStrategy = "invalid_capture_strategy";
    public const string InvalidBatchId = "invalid_batch_id";
    public const string InvalidJournalEpoch = "invalid_journal_epoch";
    public const string InvalidSourceTable = "invalid_source_table";
    public const string InvalidSchemaHash = "invalid_schema_hash";
    public const string InvalidSchemaColumns = "invalid_schema_columns";
    public const string SchemaHashMismatch = "schema_hash_mismatch";
    public const string EmptyBatch = "empty_batch";
    public const string BatchTooManyRows = "batch_too_many_rows";
    public const string PayloadTooLarge = "payload_too_large";
    public const string CommitSeqRangeMismatch = "commit_seq_range_mismatch";
    public const string InvalidOp = "invalid_op";
    public const string InvalidPk = "invalid_pk";
    public const string InvalidRow = "invalid_row";

    // Telemetry batch checks and sequencing.
    public const string RowCountMismatch = "row_count_mismatch";
    public const string CursorTimestampMismatch = "cursor_timestamp_mismatch";
    public const string InvalidRowId = "invalid_row_id";
    public const string InvalidNumberEncoding = "invalid_number_encoding";
    public const string DuplicateBatchSeq = "duplicate_batch_seq";
    public const string StaleBatchSeq = "stale_batch_seq";

    /// <summary>Added to the protocol's original table: <c>batch_seq</c> of a telemetry batch is missing, not an integer, or outside 0..2^50-1.</summary>
    public const string InvalidBatchSeq = "invalid_batch_seq";

    /// <summary>
    /// Added to the protocol's original table: <c>timestamp_column</c> of a telemetry batch is missing, not a
    /// valid column name, not a column of <c>schema_columns</c>, or another than the one the lineage was created with.
    /// </summary>
    public const string InvalidTimestampColumn = "invalid_timestamp_column";

    /// <summary>Added to the protocol's original table: a telemetry row's <c>ts</c> is missing or not an RFC 3339 time.</summary>
    public const string InvalidRowTs = "invalid_row_ts";

    /// <summary>
    /// Added to the protocol's original table (which has no code for it): <c>observed_at</c> of a
    /// <c>sync/schema/observe</c> message is missing or not an RFC 3339 timestamp.
    /// </summary>
    public const string InvalidObservedAt = "invalid_observed_at";

    /// <summary>
    /// Added to the protocol's original table: <c>control_id</c> of a <c>sync/ingest/ack</c> message is missing or
    /// not a UUID.
    /// </summary>
    public const string InvalidControlId = "invalid_control_id";

    /// <summary>
    /// Added to the protocol's original table: a number in a row's <c>pk</c> or <c>row</c> that PostgreSQL's
    /// <c>numeric</c> (and so <c>jsonb</c>) cannot hold — more than 131,072 digits before the
    /// decimal point or more than 16,383 after it, once the exponent is applied (e.g. <c>1e131072</c>).
    /// </summary>
    public const string ValueOutOfRange = "value_out_of_range";

    /// <summary>
    /// Added to the protocol's original table: the payload passed every check, yet storing it failed in a way it
    /// would fail again on every delivery (PostgreSQL refused one of its values, or its text could
    /// not be encoded). The last resort that keeps a device from redelivering it forever.
    /// </summary>
    public const string UnstorablePayload = "unstorable_payload";

    /// <summary>
    /// A finalize for an unknown, expired, not yet uploaded, or another device's or table's
    /// <c>upload_id</c>, or an uploaded object that does not parse.
    /// </summary>
    public const string InvalidUpload = "invalid_upload";

    /// <summary>Added to the protocol's original table: <c>request_kind</c> of <c>sync/ingest/request</c> is not <c>url_request</c> or <c>finalize</c>.</summary>
    public const string InvalidRequestKind = "invalid_request_kind";

    /// <summary>Added to the protocol's original table: <c>segment_kind</c> is not <c>bootstrap_snapshot</c> or <c>payload_spill</c>.</summary>
    public const string InvalidSegmentKind = "invalid_segment_kind";

    /// <summary>
    /// Added to the protocol's original table: a <c>url_request</c> from a device that already holds
    /// as many open uploads as allowed (each may store up to 1 GiB).
    /// </summary>
    public const string TooManyOpenUploads = "too_many_open_uploads";
}
