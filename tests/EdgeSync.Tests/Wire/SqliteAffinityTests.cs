using EdgeSync.Wire;

namespace EdgeSync.Tests.Wire;

public class SqliteAffinityTests
{
    // Expected values are SQLite's own answers (sqlite3 3.40.1), obtained with
    //   SELECT typeof(CAST('1.5' AS <type>)) || ',' || typeof(CAST('1' AS <type>))
    // integer,integer = INTEGER; real,real = REAL; real,integer = NUMERIC; text,text = TEXT; blob,blob = BLOB.
    // The empty type cannot be CAST to; SQLite documents it as BLOB and a typeless column keeps '1' as text and 1 as integer.
    [Theory]
    [InlineData("INTEGER", "INTEGER")]
    [InlineData("INT", "INTEGER")]
    [InlineData("bigint", "INTEGER")]
    [InlineData("CHARINT", "INTEGER")]          // "INT" is tested first
    [InlineData("FLOATING POINT", "INTEGER")]   // contains "INT"
    [InlineData("POINT", "INTEGER")]
    [InlineData("intFLOAT", "INTEGER")]
    [InlineData("VARCHAR(10)", "TEXT")]
    [InlineData("VarChar", "TEXT")]
    [InlineData("NCHAR(5)", "TEXT")]
    [InlineData("CLOB", "TEXT")]
    [InlineData("TEXT", "TEXT")]
    [InlineData("BLOBTEXT", "TEXT")]            // TEXT is tested before BLOB
    [InlineData("ClobReal", "TEXT")]
    [InlineData("BLOB", "BLOB")]
    [InlineData("blobreal", "BLOB")]            // BLOB is tested before REAL
    [InlineData("", "BLOB")]
    [InlineData(null, "BLOB")]
    [InlineData("REAL", "REAL")]
    [InlineData("DOUBLE", "REAL")]
    [InlineData("DOUBLE PRECISION", "REAL")]
    [InlineData("FLOAT", "REAL")]
    [InlineData("NUMERIC", "NUMERIC")]
    [InlineData("DECIMAL", "NUMERIC")]
    [InlineData("DECIMAL(10,5)", "NUMERIC")]
    [InlineData("BOOLEAN", "NUMERIC")]
    [InlineData("DATETIME", "NUMERIC")]
    [InlineData("STRING", "NUMERIC")]           // the classic surprise: not TEXT
    [InlineData("xyz", "NUMERIC")]
    [InlineData("ıNT", "NUMERIC")]              // dotless ı: SQLite folds ASCII case only
    public void Of_follows_sqlite(string? declaredType, string expected) =>
        Assert.Equal(expected, SqliteAffinity.Of(declaredType));

    [Theory]
    [MemberData(nameof(FingerprintVectors.Names), MemberType = typeof(FingerprintVectors))]
    public void Of_agrees_with_sqlite_for_every_vector_column(string table)
    {
        foreach (var column in FingerprintVectors.Named(table).Columns)
            Assert.True(column.Affinity == SqliteAffinity.Of(column.DeclaredType), $"{column.DeclaredType} → {column.Affinity}");
    }

    [Fact]
    public void Known_affinities_are_exactly_the_five_upper_case_names()
    {
        Assert.Equal(["INTEGER", "TEXT", "BLOB", "REAL", "NUMERIC"], SqliteAffinity.All);
        Assert.All(SqliteAffinity.All, a => Assert.True(SqliteAffinity.IsKnown(a)));
        Assert.False(SqliteAffinity.IsKnown("integer"));
        Assert.False(SqliteAffinity.IsKnown("VARCHAR"));
        Assert.False(SqliteAffinity.IsKnown(null));
    }
}
