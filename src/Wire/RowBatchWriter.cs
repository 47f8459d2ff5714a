using System.Text.Json;

namespace EdgeSync.Wire;

/// <summary>
/// Writes the envelope of a <c>sync/rows/batch</c> message (docs/device-protocol.md) around rows the
/// caller writes: the agent encodes journal rows, the benchmark generated ones, and both must
/// name the same members in the same order that <see cref="RowBatchReader"/>'s fast path expects.
/// </summary>
public static class RowBatchWriter
{
    /// <summary>Opens the message, writes every member before <c>rows</c> and opens the <c>rows</c> array.</summary>
    /// <param name="schemaColumnsJson">The canonical fingerprint JSON (<see cref="SchemaFingerprint.ToCanonicalJson"/>), or null to leave <c>schema_columns</c> out.</param>
    public static void WriteStart(Utf8JsonWriter writer, string batchId, string journalEpoch, string sourceTable, string schemaHash,
        string? schemaColumnsJson, long firstCommitSeq, long lastCommitSeq)
    {
        writer.WriteStartObject();
        WriteEnvelopeMembers(writer, batchId, journalEpoch, sourceTable, schemaHash, schemaColumnsJson, firstCommitSeq, lastCommitSeq);
        writer.WriteStartArray("rows");
    }

    /// <summary>
    /// The members of the envelope, without <c>rows</c>, into an object the caller opened: also the
    /// first line of a <c>payload_spill</c> object.
    /// </summary>
    public static void WriteEnvelopeMembers(Utf8JsonWriter writer, string batchId, string journalEpoch, string sourceTable, string schemaHash,
        string? schemaColumnsJson, long firstCommitSeq, long lastCommitSeq)
    {
        writer.WriteNumber("format_version", WireLimits.FormatVersion);
        writer.WriteString("capture_strategy", WireLimits.RowBatchCaptureStrategy);
        writer.WriteString("batch_id", batchId);
        writer.WriteString("journal_epoch", journalEpoch);
        writer.WriteString("source_table", sourceTable);
        writer.WriteString("schema_hash", schemaHash);
        if (schemaColumnsJson is not null)
        {
            writer.WritePropertyName("schema_columns");
            writer.WriteRawValue(schemaColumnsJson);
        }
        writer.WriteNumber("first_commit_seq", firstCommitSeq);
        writer.WriteNumber("last_commit_seq", lastCommitSeq);
    }

    /// <summary>Closes the <c>rows</c> array and the message.</summary>
    public static void WriteEnd(Utf8JsonWriter writer)
    {
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
