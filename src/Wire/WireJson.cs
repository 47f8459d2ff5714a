using System.Text.Json;
using System.Text.Unicode;
using EdgeSync.Escaping;

namespace EdgeSync.Wire;

/// <summary>
/// The JSON-structure checks every device → cloud payload goes through before any field is
/// looked at, and small helpers for reading loosely-typed fields.
/// </summary>
internal static class WireJson
{
    /// <summary>Top-level fields that would claim a tenant identity; identity comes from the MQTT session only.</summary>
    public static readonly string[] TenantFields = ["org_id", "project_id", "fleet_id", "device_id"];

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = WireLimits.MaxJsonDepth,
        AllowDuplicateProperties = false,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    /// <summary>
    /// Size, JSON and tenant checks, in this order: <c>payload_too_large</c> (more than
    /// <see cref="WireLimits.MaxPayloadBytes"/>, before parsing); <c>malformed_json</c> (not
    /// valid UTF-8 — a byte order mark included —, not JSON, nested deeper than
    /// <see cref="WireLimits.MaxJsonDepth"/>, a duplicate key in any object, a string or key with
    /// an unpaired surrogate escape, or a root that is not an object);
    /// <c>envelope_unstripped_tenant_fields</c>. On success the caller owns <paramref name="document"/>.
    /// </summary>
    public static Rejection? TryOpen(ReadOnlyMemory<byte> payload, out JsonDocument? document) =>
        TryOpen(payload, WireLimits.MaxPayloadBytes, out document);

    /// <summary><see cref="TryOpen(ReadOnlyMemory{byte}, out JsonDocument?)"/> with another size limit (a spilled batch has none of its own).</summary>
    public static Rejection? TryOpen(ReadOnlyMemory<byte> payload, int maxBytes, out JsonDocument? document)
    {
        document = null;
        if (payload.Length > maxBytes)
            return new Rejection(RejectionCodes.PayloadTooLarge,
                $"The payload is {payload.Length} bytes; at most {WireLimits.MaxPayloadBytes} bytes (512 KiB) are allowed.");
        if (!Utf8.IsValid(payload.Span))
            return new Rejection(RejectionCodes.MalformedJson, "The payload is not valid UTF-8.");

        JsonDocument parsed;
        try
        {
            // Unpaired surrogate escapes first: the duplicate-key check of JsonDocument.Parse
            // unescapes property names and would throw InvalidOperationException on them.
            if (FindUnpairedSurrogate(payload.Span) is { } where)
                return new Rejection(RejectionCodes.MalformedJson,
                    $"The payload has a string with an unpaired UTF-16 surrogate escape (at byte {where}); strings must be valid Unicode.");
            parsed = JsonDocument.Parse(payload, DocumentOptions);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return new Rejection(RejectionCodes.MalformedJson, $"The payload is not valid JSON: {e.Message}");
        }

        if (parsed.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = Describe(parsed.RootElement);
            parsed.Dispose();
            return new Rejection(RejectionCodes.MalformedJson, $"The payload must be a JSON object, not {kind}.");
        }

        var tenantFields = TenantFields.Where(name => parsed.RootElement.TryGetProperty(name, out _)).ToArray();
        if (tenantFields.Length > 0)
        {
            parsed.Dispose();
            return new Rejection(RejectionCodes.EnvelopeUnstrippedTenantFields,
                $"The payload carries the tenant field(s) {string.Join(", ", tenantFields)} at its top level; tenant identity comes from the MQTT session, never from the payload.");
        }

        document = parsed;
        return null;
    }

    /// <summary>The member <paramref name="name"/> of an object, or an <see cref="JsonValueKind.Undefined"/> element when absent.</summary>
    public static JsonElement Property(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value) ? value : default;

    public static bool IsAbsentOrNull(JsonElement element) =>
        element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null;

    /// <summary>The string value, or null when the element is not a JSON string.</summary>
    public static string? StringOrNull(JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? element.GetString() : null;

    /// <summary>True for a JSON number written as an integer: no fraction, no exponent (so 1.0 and 1e3 are not integers).</summary>
    public static bool IsIntegerLiteral(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Number) return false;
        var raw = element.GetRawText();
        return raw.AsSpan().IndexOfAny('.', 'e', 'E') < 0;
    }

    /// <summary>A JSON integer literal that fits a signed 64-bit integer.</summary>
    public static bool TryGetInt64(JsonElement element, out long value)
    {
        value = 0;
        return IsIntegerLiteral(element) && element.TryGetInt64(out value);
    }

    /// <summary>A short description of a value for rejection details: "missing", "null", "the string \"x\"", "the number 1.5", "an object"…</summary>
    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Undefined => "missing",
        JsonValueKind.Null => "null",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Number => $"the number {Truncate(element.GetRawText())}",
        JsonValueKind.String => $"the string \"{Truncate(element.GetString() ?? string.Empty)}\"",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => element.ValueKind.ToString(),
    };

    /// <summary>
    /// Device-supplied text quoted in a rejection detail: cut to a readable length (never inside
    /// a surrogate pair), then escaped by <see cref="SafeText.Escape"/> so that a detail is
    /// always one printable line that PostgreSQL can store.
    /// </summary>
    public static string Truncate(string text, int max = 80) => SafeText.Escape(SafeText.Cut(text, max, "…"));

    /// <summary>
    /// The byte offset of the first string or property name whose escapes decode to an unpaired
    /// surrogate (e.g. "\ud800"), or null. The raw bytes were already checked to be valid UTF-8,
    /// so only escaped strings can be ill-formed. Throws <see cref="JsonException"/> on invalid JSON.
    /// </summary>
    private static long? FindUnpairedSurrogate(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = WireLimits.MaxJsonDepth });
        while (reader.Read())
        {
            if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName) || !reader.ValueIsEscaped)
                continue;
            try
            {
                _ = reader.GetString();
            }
            catch (InvalidOperationException)
            {
                return reader.TokenStartIndex;
            }
        }
        return null;
    }
}
