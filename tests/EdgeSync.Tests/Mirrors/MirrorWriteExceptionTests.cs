using System.Net.Sockets;
using EdgeSync.Mirrors;
using Npgsql;

namespace EdgeSync.Tests.Mirrors;

public class MirrorWriteExceptionTests(MirrorDatabase db) : IClassFixture<MirrorDatabase>
{
    [Theory]
    [InlineData("40001", true)]
    [InlineData("40P01", true)]
    [InlineData("57P01", true)]
    [InlineData("57P02", true)]
    [InlineData("57P03", true)]
    [InlineData("53200", true)]
    [InlineData("53300", true)]
    [InlineData("08006", true)]
    [InlineData("57014", true)]
    [InlineData("22003", false)]
    [InlineData("22P02", false)]
    [InlineData("23505", false)]
    [InlineData("23502", false)]
    [InlineData("42P01", false)]
    [InlineData("42703", false)]
    [InlineData("42804", false)]
    public async Task Postgres_errors_are_classified_by_sqlstate(string sqlState, bool transient)
    {
        await using var command = db.DataSource.CreateCommand($"DO $$ BEGIN RAISE EXCEPTION 'probe' USING ERRCODE = '{sqlState}'; END $$");
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());
        Assert.Equal(sqlState, error.SqlState);
        Assert.Equal(transient, MirrorWriteException.IsTransient(error));
    }

    [Fact]
    public async Task A_violated_constraint_is_named_and_the_redacted_detail_placeholder_is_left_out()
    {
        await using var command = db.DataSource.CreateCommand(
            "CREATE TEMP TABLE probe (mode text CONSTRAINT mode_known CHECK (mode <> 'turbo')); INSERT INTO probe VALUES ('turbo')");
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync());

        var wrapped = MirrorWriteException.Wrap(error, "writing mirror table 'probe'")!;

        Assert.True(wrapped.IsPermanent);
        Assert.Contains("mode_known", wrapped.Message);
        Assert.StartsWith("writing mirror table 'probe': 23514 ", wrapped.Message);
        Assert.DoesNotContain("redacted", wrapped.Message);
    }

    [Fact]
    public void Other_exceptions_are_classified()
    {
        Assert.True(MirrorWriteException.IsTransient(new TimeoutException()));
        Assert.True(MirrorWriteException.IsTransient(new SocketException()));
        Assert.True(MirrorWriteException.IsTransient(new IOException()));
        Assert.True(MirrorWriteException.IsTransient(new NpgsqlException("broken", new IOException())));
        Assert.True(MirrorWriteException.IsTransient(new MirrorWriteException("40001", false, "x")));
        Assert.False(MirrorWriteException.IsTransient(new MirrorWriteException(MirrorWriteException.ValueInvalid, true, "x")));
        Assert.False(MirrorWriteException.IsTransient(new InvalidOperationException()));
    }

    [Fact]
    public async Task A_lost_connection_is_transient()
    {
        await using var victim = await db.DataSource.OpenConnectionAsync();
        var pid = victim.ProcessID;
        await using var transaction = await victim.BeginTransactionAsync();
        await using (var kill = db.DataSource.CreateCommand($"SELECT pg_terminate_backend({pid})"))
            await kill.ExecuteNonQueryAsync();
        var table = new MirrorTable("whatever", [new MirrorColumn("id", "id", "INTEGER", 1)]);
        var error = await Assert.ThrowsAsync<MirrorWriteException>(() => db.Writer.ApplyAsync(victim, transaction, table, Guid.NewGuid(),
            [Changes.Insert(1, """{"id":1}""", """{"id":1}""")]));
        Assert.False(error.IsPermanent);
        Assert.True(MirrorWriteException.IsTransient(error));
    }
}
