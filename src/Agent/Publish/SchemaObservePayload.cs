using System.Buffers;
using System.Text.Json;
using EdgeSync.Wire;

namespace EdgeSync.Agent.Publish;

/// <summary><c>sync/schema/observe</c>: an advisory notice of a table's new fingerprint, with its columns.</summary>
public static class SchemaObservePayload
{
    public static byte[] Build(string table, string hash, string? fingerprintJson, DateTimeOffset observedAt)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WireValues.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteNumber("format_version", WireLimits.FormatVersion);
            writer.WriteString("source_table", table);
            writer.WriteString("schema_hash", hash);
            writer.WriteString("observed_at", observedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            if (fingerprintJson is not null)
            {
                writer.WritePropertyName("schema_columns");
                writer.WriteRawValue(fingerprintJson);
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
