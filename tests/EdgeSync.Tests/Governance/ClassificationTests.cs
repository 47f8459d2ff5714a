using EdgeSync.Lineages;
using EdgeSync.Mirrors;
using EdgeSync.Tests.Infrastructure;
using EdgeSync.Wire;

namespace EdgeSync.Tests.Governance;

/// <summary>Classification of real SQLite schema changes against an accepted schema and its bindings.</summary>
public sealed class ClassificationTests
{
    private const string Accepted = "id INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, temp REAL, note TEXT";

    private static readonly ColumnBinding[] Bindings =
    [
        new("id", BindingAction.Mirror, "id"),
        new("name", BindingAction.Mirror, "name"),
        new("temp", BindingAction.Map, DataPoint: "temp"),
        new("note", BindingAction.Ignore),
    ];

    private static SchemaFingerprint Schema(string columns)
    {
        using var source = new SqliteSource("sensor", columns);
        return source.Fingerprint();
    }

    private static SchemaFingerprint Altered(params string[] statements)
    {
        using var source = new SqliteSource("sensor", Accepted);
        foreach (var statement in statements)
            source.Execute(statement);
        return source.Fingerprint();
    }

    public static TheoryData<string, SchemaClassification> Changes() => new()
    {
        { "add a nullable column", SchemaClassification.CompatibleAdditive },
        { "add a NOT NULL column", SchemaClassification.Ambiguous },
        { "change a bound column's type", SchemaClassification.Breaking },
        { "drop a bound column", SchemaClassification.Breaking },
        { "drop an ignored column", SchemaClassification.CompatibleMapped },
        { "relax a column's nullability", SchemaClassification.CompatibleMapped },
        { "change the key", SchemaClassification.Breaking },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public void A_schema_change_is_classified(string change, SchemaClassification expected)
    {
        var proposed = change switch
        {
            "add a nullable column" => Altered("ALTER TABLE sensor ADD COLUMN humidity REAL"),
            "add a NOT NULL column" => Altered("ALTER TABLE sensor ADD COLUMN site TEXT NOT NULL DEFAULT 'x'"),
            "change a bound column's type" => Schema("id INTEGER PRIMARY KEY NOT NULL, name BLOB NOT NULL, temp REAL, note TEXT"),
            "drop a bound column" => Altered("ALTER TABLE sensor DROP COLUMN temp"),
            "drop an ignored column" => Altered("ALTER TABLE sensor DROP COLUMN note"),
            "relax a column's nullability" => Schema("id INTEGER PRIMARY KEY NOT NULL, name TEXT, temp REAL, note TEXT"),
            "change the key" => Schema("id INTEGER NOT NULL, name TEXT NOT NULL, temp REAL, note TEXT, PRIMARY KEY (id, name)"),
            _ => throw new ArgumentOutOfRangeException(nameof(change)),
        };
        Assert.NotEqual(Schema(Accepted).ComputeHash(), proposed.ComputeHash());
        Assert.Equal(expected, SchemaClassifier.Classify(Schema(Accepted), Bindings, proposed));
    }

    [Fact]
    public void A_first_schema_is_ambiguous_and_one_without_columns_unknown()
    {
        Assert.Equal(SchemaClassification.Ambiguous, SchemaClassifier.Classify(null, [], Schema(Accepted)));
        Assert.Equal(SchemaClassification.Unknown, SchemaClassifier.Classify(Schema(Accepted), Bindings, null));
    }
}
