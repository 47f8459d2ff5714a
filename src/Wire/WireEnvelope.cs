using System.Text.Json;

namespace EdgeSync.Wire;

/// <summary>
/// The loosely-typed view of a device → cloud message that the FluentValidation validators check:
/// every field is the raw <see cref="JsonElement"/> (<see cref="JsonValueKind.Undefined"/> when
/// absent), so a validator can tell "missing" from "wrong type" from "bad value". Valid only while
/// the <see cref="JsonDocument"/> it was read from is alive. Unknown top-level fields are ignored.
/// </summary>
internal abstract class WireEnvelope
{
    private SchemaColumnsParse? _schema;

    protected WireEnvelope(JsonElement root)
    {
        FormatVersion = WireJson.Property(root, "format_version");
        SourceTable = WireJson.Property(root, "source_table");
        SchemaHash = WireJson.Property(root, "schema_hash");
        SchemaColumns = WireJson.Property(root, "schema_columns");
    }

    public JsonElement FormatVersion { get; }
    public JsonElement SourceTable { get; }
    public JsonElement SchemaHash { get; }
    public JsonElement SchemaColumns { get; }

    /// <summary><c>schema_columns</c> read once, on first use.</summary>
    public SchemaColumnsParse Schema => _schema ??= SchemaColumnsParser.Parse(SchemaColumns);
}
