using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using EdgeSync.Agent.Capture;

namespace EdgeSync.Agent.Publish;

/// <summary>
/// Turns the JSON the capture triggers wrote into the wire's value encoding: a BLOB marker
/// <c>{"$edgesync_blob":"HEX"}</c> becomes a base64 string, a REAL marker
/// <c>{"$edgesync_real":[M,E]}</c> becomes the double M · 2^(E−52) in its shortest round-trip
/// form, which keeps a fraction or exponent (<c>2.0</c>, not <c>2</c>); a plain JSON number with a
/// fraction or exponent (a zero, or a row journaled by the decimal triggers of an older agent) is
/// rewritten the same way; integers, strings and nulls pass unchanged.
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
            case JsonValueKind.Object when IsReal(value, out var parts):
                writer.WriteRawValue(Real(Decode(parts)), skipInputValidation: true);
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

    /// <summary>
    /// Writes a value as SQLite returned it to the agent (long, double, string, byte[] or DBNull) in
    /// wire encoding: the path of telemetry rows and bootstrap snapshots, which read the table
    /// itself rather than trigger-made JSON, so a REAL arrives as its exact double.
    /// </summary>
    public static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null or DBNull:
                writer.WriteNullValue();
                break;
            case long integer:
                writer.WriteNumberValue(integer);
                break;
            case double real when double.IsFinite(real):
                writer.WriteRawValue(Real(real), skipInputValidation: true);
                break;
            case double:
                writer.WriteNullValue(); // ±Inf: JSON has no infinity (SQLite stores NaN as NULL itself)
                break;
            case string text:
                writer.WriteStringValue(text);
                break;
            case byte[] blob:
                writer.WriteBase64StringValue(blob);
                break;
            default:
                throw new FormatException($"unexpected SQLite value of type {value.GetType().Name}");
        }
    }

    /// <summary>The shortest text that reads back as the same double, always with a fraction or an exponent.</summary>
    public static string Real(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.AsSpan().IndexOfAny('.', 'E', 'e') < 0 ? text + ".0" : text;
    }

    /// <summary>
    /// The double of a REAL marker's [mantissa, exponent]. Anything but what the triggers produce
    /// from a complete powers-of-two table is refused rather than rounded: a wrong table gives
    /// mantissas outside [2^52, 2^53), and publishing a nearby number would hide it.
    /// </summary>
    /// <exception cref="FormatException">Not a mantissa and exponent the triggers can produce.</exception>
    public static double Decode(JsonElement parts)
    {
        if (parts.GetArrayLength() != 2 || parts[0].ValueKind != JsonValueKind.Number || parts[1].ValueKind != JsonValueKind.Number
            || !parts[0].TryGetInt64(out var mantissa) || !parts[1].TryGetInt32(out var exponent))
            throw new FormatException($"{CaptureTriggers.RealMarker} is not [mantissa, exponent]: {parts.GetRawText()}");
        var magnitude = Math.Abs(mantissa);
        if (magnitude < 1L << 52 || magnitude >= 1L << 53 || exponent < PowersOfTwo.MinExponent || exponent > PowersOfTwo.MaxExponent)
            throw new FormatException($"{CaptureTriggers.RealMarker} {parts.GetRawText()} is out of range (is {PowersOfTwo.Table} intact?)");
        var value = Math.ScaleB((double)mantissa, exponent - 52);
        // Below 2^-1022 a double has fewer than 53 significant bits: the mantissa's low bits must be zero.
        if (Math.ScaleB(value, 52 - exponent) != mantissa)
            throw new FormatException($"{CaptureTriggers.RealMarker} {parts.GetRawText()} is not an exact double");
        return value;
    }

    private static bool IsReal(JsonElement value, out JsonElement parts)
    {
        parts = default;
        using var properties = value.EnumerateObject();
        if (!properties.MoveNext() || properties.Current.Name != CaptureTriggers.RealMarker || properties.Current.Value.ValueKind != JsonValueKind.Array)
            return false;
        parts = properties.Current.Value;
        return !properties.MoveNext();
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
