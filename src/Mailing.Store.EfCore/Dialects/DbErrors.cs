using Microsoft.Data.Sqlite;
using Npgsql;

namespace Mailing.Store.EfCore.Dialects;

/// <summary>
/// Recognizes provider errors by their codes, never by message text, wherever they sit in the
/// exception chain (EF Core wraps them in a DbUpdateException, which a non-retrying execution
/// strategy wraps once more when the error is transient).
/// </summary>
internal static class DbErrors
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteConstraintUnique = 2067;
    private const int SqliteConstraintPrimaryKey = 1555;

    public static bool IsUniqueViolation(Exception exception) => Find<PostgresException>(exception) is { } pg
        ? pg.SqlState == PostgresErrorCodes.UniqueViolation
        : Find<SqliteException>(exception)?.SqliteExtendedErrorCode is SqliteConstraintUnique or SqliteConstraintPrimaryKey;

    /// <summary>
    /// PostgreSQL chose this transaction as a deadlock victim; under a savepoint the statement can be
    /// retried (writers creating the same new contacts in different orders can meet this way).
    /// </summary>
    public static bool IsDeadlock(Exception exception) =>
        Find<PostgresException>(exception)?.SqlState == PostgresErrorCodes.DeadlockDetected;

    /// <summary>SQLite gave up waiting for another connection's lock (its busy timeout ran out).</summary>
    public static bool IsBusy(Exception exception) =>
        Find<SqliteException>(exception)?.SqliteErrorCode is SqliteBusy or SqliteLocked;

    private static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is T match)
            {
                return match;
            }
        }

        return null;
    }
}
