using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using EdgeSync.Agent.Capture;

namespace EdgeSync.Agent.Publish;

/// <summary>
/// Turns the JSON the capture triggers wrote into the wire's value encoding: a BLOB marker
/// <c>{"$edgesync_blob":"HEX"}</c> becomes a base64 string, a REAL (written with 17 significant
/// digits) becomes its shortest round-trip form and keeps a fraction or exponent (<c>2.0</c>, not
/// <c>2</c>); integers, strings and nulls pass unchanged.
/// </summary>
public static class WireValues
{
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false };

    /// <summary>Writes the journal's JSON object text (pk or row) in wire encoding.</summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    public static void WriteObject(Utf8JsonWriter writer, string journalJson)
    {
        using var document = JsonDocument.Parse(journalJson);
        Write(writer, document.RootElement);
    }

    private static void Write(Utf8JsonWriter writer, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object when IsBlob(value, out var hex):
                writer.WriteStringValue(Convert.ToBase64String(Convert.FromHexString(hex)));
                break;
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in value.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.EnumerateArray())
                    Write(writer, item);
                writer.WriteEndArray();
                break;
            case JsonValueKind.Number:
                var raw = value.GetRawText();
                if (raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0)
                    writer.WriteRawValue(raw, skipInputValidation: true);
                else if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
                    writer.WriteRawValue(Real(real), skipInputValidation: true);
                else
                    writer.WriteNullValue();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(value.GetString());
                break;
            default:
                value.WriteTo(writer);
                break;
        }
    }

    /// <summary>The shortest text that reads back as the same double, always with a fraction or an exponent.</summary>
    public static string Real(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.AsSpan().IndexOfAny('.', 'E', 'e') < 0 ? text + ".0" : text;
    }

    private static bool IsBlob(JsonElement value, out string hex)
    {
        hex = "";
        using var properties = value.EnumerateObject();
        if (!properties.MoveNext() || properties.Current.Name != CaptureTriggers.BlobMarker || properties.Current.Value.ValueKind != JsonValueKind.String)
            return false;
        hex = properties.Current.Value.GetString()!;
        return !properties.MoveNext();
    }
}
