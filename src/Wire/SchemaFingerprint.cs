using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace EdgeSync.Wire;

/// <summary>
/// A table's shape as the device reports it (<c>schema_columns</c> on the wire). The columns are
/// held in canonical order — sorted by name in UTF-8 byte order — whatever order they were given
/// in, so equal fingerprints compare equal (<see cref="Equals(SchemaFingerprint?)"/> compares the
/// columns element by element) and hash the same.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SchemaFingerprint([Id(0)] string TableName, [Id(1)] IReadOnlyList<SchemaColumn> Columns)
{
    public string TableName { get; init; } = TableName ?? throw new ArgumentNullException(nameof(TableName));

    private readonly IReadOnlyList<SchemaColumn> _columns = Canonicalize(Columns);

    /// <summary>The columns, sorted by name in UTF-8 byte order.</summary>
    public IReadOnlyList<SchemaColumn> Columns
    {
        get => _columns;
        init => _columns = Canonicalize(value);
    }

    /// <summary>The primary-key columns, in key order (by <see cref="SchemaColumn.PkOrdinal"/>); empty for a table without a declared key.</summary>
    [JsonIgnore]
    public IReadOnlyList<SchemaColumn> PrimaryKey =>
        _columns.Where(c => c.PkOrdinal > 0).OrderBy(c => c.PkOrdinal).ToArray().AsReadOnly();

    /// <summary>
    /// The canonical form the schema hash is computed over: keys sorted, no whitespace,
    /// strings escaped as RFC 8785 does, columns sorted by name in UTF-8 byte order, e.g.
    /// <c>{"columns":[{"decl_type_affinity":"INTEGER","name":"id","not_null":true,"pk_ordinal":1}],"table_name":"t"}</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A name holds an unpaired surrogate (the wire reader never produces one).</exception>
    public string ToCanonicalJson()
    {
        var json = new StringBuilder(64 + 80 * _columns.Count);
        json.Append("{\"columns\":[");
        for (var i = 0; i < _columns.Count; i++)
        {
            var column = _columns[i];
            if (i > 0) json.Append(',');
            json.Append("{\"decl_type_affinity\":");
            CanonicalJson.AppendString(json, column.DeclTypeAffinity);
            json.Append(",\"name\":");
            CanonicalJson.AppendString(json, column.Name);
            json.Append(",\"not_null\":").Append(column.NotNull ? "true" : "false");
            json.Append(",\"pk_ordinal\":").Append(column.PkOrdinal.ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.Append('}');
        }
        json.Append("],\"table_name\":");
        CanonicalJson.AppendString(json, TableName);
        json.Append('}');
        return json.ToString();
    }

    /// <summary>The schema hash: lowercase hex SHA-256 of the UTF-8 bytes of <see cref="ToCanonicalJson"/>.</summary>
    public string ComputeHash() =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ToCanonicalJson())));

    public bool Equals(SchemaFingerprint? other) =>
        other is not null
        && string.Equals(TableName, other.TableName, StringComparison.Ordinal)
        && _columns.SequenceEqual(other._columns);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(TableName, StringComparer.Ordinal);
        foreach (var column in _columns) hash.Add(column);
        return hash.ToHashCode();
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("TableName = ").Append(TableName).Append(", Columns = [")
            .AppendJoin(", ", _columns).Append(']');
        return true;
    }

    private static IReadOnlyList<SchemaColumn> Canonicalize(IReadOnlyList<SchemaColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var sorted = columns.Select(c => c ?? throw new ArgumentException("A column is null.", nameof(columns)))
            .OrderBy(c => c.Name, Utf8ByteOrder.Comparer)
            .ThenBy(c => c.DeclTypeAffinity, StringComparer.Ordinal)
            .ThenBy(c => c.NotNull)
            .ThenBy(c => c.PkOrdinal)
            .ToArray();
        return sorted.AsReadOnly();
    }
}
