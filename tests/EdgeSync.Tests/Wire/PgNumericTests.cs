using EdgeSync.Tests.Infrastructure;
using EdgeSync.Wire;
using Npgsql;

namespace EdgeSync.Tests.Wire;

/// <summary><see cref="PgNumeric"/> agrees with PostgreSQL itself on which JSON numbers jsonb can hold.</summary>
public sealed class PgNumericTests
{
    private static IEnumerable<string> Literals(Random random)
    {
        string[] fixedOnes =
        [
            "0", "-0", "1", "1e131071", "1e131072", "9.99e131071", "10e131070", "10e131071", "0.001e131074", "0.001e131075",
            "1e-16383", "1e-16384", "0.5e-16382", "0.5e-16383", "1.0e-16383", "0e999999999", "0e-16383", "0e-16384", "-0e-99999",
            "1e1073741822", "1e1073741823", "0e1073741823", "1E+5", "1.5E-7", "123.456e-2",
            "0." + new string('0', 16_382) + "1", "0." + new string('0', 16_383) + "1", "1." + new string('0', 16_383), "1" + new string('0', 20_000),
        ];
        foreach (var literal in fixedOnes)
            yield return literal;
        for (var i = 0; i < 300; i++)
        {
            var sign = random.Next(3) == 0 ? "-" : "";
            var intPart = random.Next(4) == 0 ? "0" : random.Next(1, 10) + new string('0', random.Next(0, 5));
            var frac = random.Next(2) == 0 ? "" : "." + new string('0', random.Next(0, 4)) + random.Next(0, 100);
            var exponents = new[] { 131_070, 131_071, 131_072, 131_073, -16_381, -16_382, -16_383, -16_384, -16_385 };
            var exponent = exponents[random.Next(exponents.Length)] + random.Next(-3, 4);
            yield return $"{sign}{intPart}{frac}e{exponent}";
        }
    }

    [Fact]
    public async Task Fits_agrees_with_PostgreSQL_jsonb()
    {
        await using var connection = new NpgsqlConnection(TestDatabase.ServerConnectionString);
        await connection.OpenAsync();
        var disagreements = new List<string>();
        foreach (var literal in Literals(new Random(131_072)))
        {
            bool accepted;
            await using (var command = new NpgsqlCommand("SELECT length(@v::jsonb::text)", connection))
            {
                command.Parameters.AddWithValue("v", literal);
                try
                {
                    await command.ExecuteScalarAsync();
                    accepted = true;
                }
                catch (PostgresException e) when (e.SqlState == "22003")
                {
                    accepted = false;
                }
            }
            if (accepted != PgNumeric.Fits(literal))
                disagreements.Add($"{(literal.Length > 60 ? literal[..60] + "…" : literal)}: PostgreSQL {(accepted ? "accepts" : "refuses")} it");
        }
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
    }
}
