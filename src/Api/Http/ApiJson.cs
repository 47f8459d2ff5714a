using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeSync.Api.Http;

/// <summary>
/// The API's JSON conventions: snake_case property names, enums as snake_case strings,
/// timestamps as RFC 3339 UTC (<c>2025-01-31T12:00:00.123Z</c>). Dictionary keys are left as
/// they are on purpose: row payloads carry device column names that must not be rewritten.
/// </summary>
public static class ApiJson
{
    public static readonly JsonNamingPolicy Naming = JsonNamingPolicy.SnakeCaseLower;

    /// <summary>Applies the conventions to <paramref name="options"/> (used for the HTTP JSON options).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = Naming;
        options.PropertyNameCaseInsensitive = true;
        // Numbers are numbers: "42" is not accepted for an integer field (and OpenAPI says so).
        options.NumberHandling = JsonNumberHandling.Strict;
        if (!options.Converters.Any(c => c is JsonStringEnumConverter))
            options.Converters.Add(new JsonStringEnumConverter(Naming));
        if (!options.Converters.Any(c => c is UtcTimestampConverter))
            options.Converters.Add(new UtcTimestampConverter());
        return options;
    }

    /// <summary>Fresh options with the API conventions (for clients and tests).</summary>
    public static JsonSerializerOptions CreateOptions() => Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>snake_case of a single name (<c>TopicSlug</c> → <c>topic_slug</c>).</summary>
    public static string ToSnakeCase(string name) => string.IsNullOrEmpty(name) ? name : Naming.ConvertName(name);

    /// <summary>
    /// snake_case of a property path as FluentValidation reports it:
    /// <c>ColumnActions[0].SourceColumnName</c> → <c>column_actions[0].source_column_name</c>.
    /// </summary>
    public static string ToSnakeCasePath(string path)
    {
        if (string.IsNullOrEmpty(path))
            return path;
        var segments = path.Split('.');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var bracket = segment.IndexOf('[');
            segments[i] = bracket < 0
                ? ToSnakeCase(segment)
                : ToSnakeCase(segment[..bracket]) + segment[bracket..];
        }
        return string.Join('.', segments);
    }

    private sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
            => reader.GetDateTimeOffset();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
            => writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
    }
}
