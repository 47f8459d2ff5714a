using System.Net.Sockets;
using Npgsql;

namespace EdgeSync.Mirrors;

/// <summary>
/// A mirror or telemetry write failed (docs/lineage.md, "Materialization"). <see cref="IsPermanent"/>
/// errors fail again on every retry (a value that cannot be converted, a constraint violation,
/// the mirror table or a column missing); the others are transient (connection lost, timeout,
/// deadlock, serialization failure, the database restarting) and are retried without counting.
/// <see cref="Code"/> is the SQLSTATE for PostgreSQL errors, otherwise one of the constants here.
/// </summary>
public sealed class MirrorWriteException : Exception
{
    /// <summary>A value cannot be converted to its column's type (or a timestamp cannot be read).</summary>
    public const string ValueInvalid = "mirror_value_invalid";

    /// <summary>A change is malformed: unknown op, pk/row not a JSON object, a key value missing or null.</summary>
    public const string ChangeInvalid = "mirror_change_invalid";

    /// <summary>The connection failed or broke (no SQLSTATE).</summary>
    public const string ConnectionFailure = "connection_failure";

    /// <summary>A command or connect timed out (no SQLSTATE).</summary>
    public const string Timeout = "timeout";

    public MirrorWriteException(string code, bool isPermanent, string message, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        IsPermanent = isPermanent;
    }

    public bool IsPermanent { get; }
    public string Code { get; }

    /// <summary>
    /// Whether <paramref name="exception"/> is worth retrying as is: a non-permanent
    /// <see cref="MirrorWriteException"/>; a PostgreSQL error of SQLSTATE 40001, 40P01, 57P01–57P03,
    /// class 53 or 08, 57014 (statement timeout), 55P03 (lock timeout), or one Npgsql marks transient;
    /// a non-PostgreSQL <see cref="NpgsqlException"/> (I/O, timeout, broken connection); a
    /// <see cref="TimeoutException"/>, <see cref="IOException"/> or <see cref="SocketException"/>.
    /// Everything else — data exceptions (22), integrity violations (23), undefined table or
    /// column (42P01, 42703), datatype mismatch (42804), other SQL errors and bugs — is permanent.
    /// </summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        MirrorWriteException mirror => !mirror.IsPermanent,
        PostgresException postgres => IsTransientSqlState(postgres.SqlState) || postgres.IsTransient,
        NpgsqlException => true,
        TimeoutException or IOException or SocketException => true,
        _ => false,
    };

    /// <summary>
    /// Whether the error lies in the rows written rather than in the table: a value that cannot be
    /// converted, a malformed change, a data exception (SQLSTATE class 22) or an integrity
    /// violation (class 23). Only such errors are narrowed down to rows and set aside; a missing
    /// table or column, a privilege or any other error would fail every row alike.
    /// </summary>
    public bool IsRowSpecific =>
        IsPermanent && (Code is ValueInvalid or ChangeInvalid || Code.StartsWith("22", StringComparison.Ordinal) || Code.StartsWith("23", StringComparison.Ordinal));

    /// <summary>Whether the SQLSTATE is one of the transient ones (see <see cref="IsTransient"/>).</summary>
    public static bool IsTransientSqlState(string sqlState) =>
        sqlState is "40001" or "40P01" or "57P01" or "57P02" or "57P03" or "57014" or "55P03"
        || sqlState.StartsWith("53", StringComparison.Ordinal)
        || sqlState.StartsWith("08", StringComparison.Ordinal);

    /// <summary>
    /// The error's detail, unless Npgsql withheld it: the placeholder it puts there instead only tells
    /// an operator to change the connection string (the detail can hold row values, so we keep it off).
    /// </summary>
    private static string? Detail(PostgresException postgres) =>
        postgres.Detail is { Length: > 0 } detail && !detail.StartsWith("Detail redacted", StringComparison.Ordinal) ? detail : null;

    /// <summary>
    /// Wraps a database failure of a mirror or telemetry write; <see cref="OperationCanceledException"/>
    /// and exceptions that are not database/network failures are returned null (let them through).
    /// </summary>
    internal static MirrorWriteException? Wrap(Exception exception, string what)
    {
        switch (exception)
        {
            case MirrorWriteException or OperationCanceledException:
                return null;
            case PostgresException postgres:
                return new MirrorWriteException(postgres.SqlState, !IsTransient(postgres),
                    $"{what}: {postgres.SqlState} {postgres.MessageText}"
                    + (postgres.ColumnName is { } column ? $" (column {column})" : "")
                    + (postgres.ConstraintName is { } constraint && !postgres.MessageText.Contains(constraint, StringComparison.Ordinal) ? $" (constraint {constraint})" : "")
                    + (Detail(postgres) is { } detail ? $" — {detail}" : ""), postgres);
            case NpgsqlException npgsql:
                var timeout = npgsql.InnerException is TimeoutException;
                return new MirrorWriteException(timeout ? Timeout : ConnectionFailure, false, $"{what}: {npgsql.Message}", npgsql);
            case TimeoutException:
                return new MirrorWriteException(Timeout, false, $"{what}: {exception.Message}", exception);
            case IOException or SocketException:
                return new MirrorWriteException(ConnectionFailure, false, $"{what}: {exception.Message}", exception);
            default:
                return null;
        }
    }
}
