using Npgsql;

namespace EdgeSync.Api.Http;

/// <summary>Recognises a PostgreSQL unique-constraint violation anywhere in an exception chain.</summary>
public static class UniqueViolation
{
    public static bool Is(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
                return true;
            if (e.GetType().Name == "DocumentAlreadyExistsException")
                return true;
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(Is))
                return true;
        }
        return false;
    }
}
