using System.Text;
using EdgeSync.Silo.Mqtt;
using Npgsql;

namespace EdgeSync.Tests.Ingest;

/// <summary>
/// Which failures the gateway answers with a rejection (the payload causes them on every
/// delivery) and which withhold the acknowledgement (the database or cluster may come back).
/// </summary>
public sealed class PayloadFaultTests
{
    private static PostgresException Postgres(string sqlState) => new("message", "ERROR", "ERROR", sqlState);

    [Theory]
    [InlineData("22003", "value_out_of_range")]
    [InlineData("22021", "unstorable_payload")]
    [InlineData("22P05", "unstorable_payload")]
    [InlineData("54000", "unstorable_payload")]
    public void A_data_exception_from_PostgreSQL_is_a_rejection(string sqlState, string code) =>
        Assert.Equal(code, IngestGateway.PayloadFault(Postgres(sqlState))?.Code);

    [Fact]
    public void Text_that_cannot_be_encoded_is_a_rejection() =>
        Assert.Equal("unstorable_payload", IngestGateway.PayloadFault(new EncoderFallbackException("lone surrogate"))?.Code);

    [Theory]
    [InlineData("08006")]
    [InlineData("40001")]
    [InlineData("40P01")]
    [InlineData("57P01")]
    [InlineData("53300")]
    [InlineData("23505")]
    [InlineData("42P01")]
    public void Unavailability_and_other_database_errors_withhold_the_acknowledgement(string sqlState) =>
        Assert.Null(IngestGateway.PayloadFault(Postgres(sqlState)));

    [Fact]
    public void Timeouts_broken_connections_and_unknown_failures_withhold_the_acknowledgement()
    {
        Assert.Null(IngestGateway.PayloadFault(new TimeoutException()));
        Assert.Null(IngestGateway.PayloadFault(new NpgsqlException("connection refused")));
        Assert.Null(IngestGateway.PayloadFault(new IOException("reset")));
        Assert.Null(IngestGateway.PayloadFault(new InvalidOperationException("a bug")));
        Assert.Null(IngestGateway.PayloadFault(new OperationCanceledException()));
    }
}
