using System.Text.Encodings.Web;
using System.Text.Json;

namespace EdgeSync.Agent.Capture;

/// <summary>Quoting for the SQL the agent generates from table and column names it did not choose.</summary>
public static class SqlText
{
    private static readonly JsonSerializerOptions RelaxedJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>An identifier: <c>"name"</c> with embedded quotes doubled.</summary>
    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    /// <summary>A string literal: <c>'text'</c> with embedded apostrophes doubled.</summary>
    public static string Literal(string text) => "'" + text.Replace("'", "''") + "'";

    /// <summary>The JSON string for <paramref name="text"/> (e.g. a column name as an object key).</summary>
    public static string JsonString(string text) => JsonSerializer.Serialize(text, RelaxedJson);
}
