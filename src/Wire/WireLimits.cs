namespace EdgeSync.Wire;

/// <summary>The fixed values and limits of wire protocol format_version 1.</summary>
public static class WireLimits
{
    /// <summary>The only <c>format_version</c> this cloud speaks.</summary>
    public const int FormatVersion = 1;

    /// <summary>The <c>capture_strategy</c> of <c>sync/rows/batch</c>.</summary>
    public const string RowBatchCaptureStrategy = "sqlite_row_batch_v1";

    /// <summary>The <c>capture_strategy</c> of <c>sync/telemetry/batch</c>.</summary>
    public const string TelemetryBatchCaptureStrategy = "sqlite_telemetry_batch_v1";

    /// <summary>512 KiB: a larger payload is rejected with <c>payload_too_large</c> before it is parsed.</summary>
    public const int MaxPayloadBytes = 512 * 1024;

    /// <summary>More rows than this is <c>batch_too_many_rows</c>.</summary>
    public const int MaxRowsPerBatch = 4096;

    /// <summary>
    /// Highest <c>batch_seq</c> of a telemetry batch: the lineage keeps telemetry rows at journal
    /// position (batch_seq + 1) × 4096 + row index, which must fit 64 bits.
    /// </summary>
    public const long MaxBatchSeq = (1L << 50) - 1;

    /// <summary>Longest <c>source_table</c>, in UTF-8 bytes.</summary>
    public const int MaxSourceTableBytes = 255;

    /// <summary>
    /// JSON nesting limit of wire payloads (the root object is depth 1). Well-formed messages need
    /// 4 (root → rows → row → pk/row values, root → schema_columns → columns → column); deeper
    /// payloads are <c>malformed_json</c>.
    /// </summary>
    public const int MaxJsonDepth = 16;
}
