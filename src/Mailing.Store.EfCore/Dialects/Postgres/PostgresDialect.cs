using Mailing.Store.EfCore.Dialects;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Mailing.Store.EfCore.Dialects.Postgres;

/// <summary>PostgreSQL: concurrent writers, advisory locks, <c>FOR UPDATE SKIP LOCKED</c>.</summary>
internal sealed class PostgresDialect : StoreDialect
{
    public static readonly PostgresDialect Instance = new();

    /// <summary>
    /// The statement taking a transaction-level advisory lock, held until commit or rollback. Every advisory lock
    /// Mailing takes is named by a text key, bound as <c>@lock_key</c>, that PostgreSQL hashes to the 64-bit lock id.
    /// </summary>
    public const string TransactionLockStatement = "SELECT pg_advisory_xact_lock(" + LockId + ")";

    private const string LockId = "hashtextextended(@lock_key, 0)";
    private const string SessionLockStatement = "SELECT pg_advisory_lock(" + LockId + ")";
    private const string SessionUnlockStatement = "SELECT pg_advisory_unlock(" + LockId + ")";

    /// <summary>The name PostgreSQL hashes to the session advisory lock held while Mailing changes the schema.</summary>
    private const string SchemaLockKey = "mailing-schema";

    private PostgresDialect()
    {
    }

    public override bool BindsArrays => true;

    /// <summary>
    /// <paramref name="parameter"/> as a sub-select, whose value the planner does not plan by. Planned by the value of a
    /// client (or list) its statistics have not seen yet, as after a fresh import into a large table, a lookup by key
    /// takes that client for one row; every index leading with client_id then ties with the primary key, and the
    /// chosen one read all the client's rows on every lookup. Planned without the value, the primary key wins.
    /// </summary>
    public static string HiddenFromPlanner(string parameter) => $"(SELECT {parameter})";

    // Without the owner's rights (or MAINTAIN) PostgreSQL skips the table with a warning, not an error.
    public override Task RefreshStatisticsAsync(DbContext db, string table, CancellationToken cancellationToken) =>
#pragma warning disable EF1002 // The table name comes from the model.
        db.Database.ExecuteSqlRawAsync($"ANALYZE {table}", cancellationToken);
#pragma warning restore EF1002

    public override bool WritesOneAtATime => false;

    public override bool HasSetBasedMembershipPath => true;

    /// <summary>A transaction-level advisory lock named <paramref name="key"/>.</summary>
    public override Task LockForTransactionAsync(DbContext db, string key, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlRawAsync(TransactionLockStatement, [LockKey(key)], cancellationToken);

    // ->> yields the text of strings, numbers and booleans alike.
    public override (string Condition, object NameArgument) JsonTextEquals(string column, int nameArgument, int valueArgument, string name) =>
        ($"(CAST({column} AS jsonb) ->> {{{nameArgument}}}) = {{{valueArgument}}}", name);

    // The rows are picked once, in a materialized CTE: an IN (SELECT … LIMIT n) subquery may be evaluated more than
    // once by the planner and then yield more than n rows. SKIP LOCKED lets concurrent claims pass each other. A row
    // that another transaction changed and committed while this statement ran is invisible to its snapshot at the
    // address the pick read, so the update leaves it out: it is not claimed this time, and stays claimable.
    public override string ClaimStatement(string table, string set, string filter, string orderBy, string limit) => $"""
        WITH picked AS MATERIALIZED (
            SELECT ctid FROM {table} WHERE {filter} ORDER BY {orderBy} LIMIT {limit} FOR UPDATE SKIP LOCKED)
        UPDATE {table} AS claimed SET {set}
        FROM picked WHERE claimed.ctid = picked.ctid
        RETURNING claimed.*
        """;

    // timestamptz takes UTC values only.
    public override object Bind(object? value) => value switch
    {
        null => DBNull.Value,
        DateTimeOffset time => time.ToUniversalTime(),
        _ => value,
    };

    public override Task<bool> TableExistsAsync(DbContext db, string table, CancellationToken cancellationToken) =>
        AnyAsync(db, $"SELECT count(*) AS \"Value\" FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = {table}", cancellationToken);

    public override Task<bool> ColumnExistsAsync(DbContext db, string table, string column, CancellationToken cancellationToken) =>
        AnyAsync(db, $"""
            SELECT count(*) AS "Value" FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = {table} AND column_name = {column}
            """, cancellationToken);

    // A session lock: the replicas that start together queue here, and the first one migrates. Pooled connections
    // outlive the session's user, so the lock is released explicitly.
    public override async Task<IAsyncDisposable> LockSchemaAsync(DbContext db, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlRawAsync(SessionLockStatement, [LockKey(SchemaLockKey)], cancellationToken).ConfigureAwait(false);
        return new SessionLock(db);
    }

    private sealed class SessionLock(DbContext db) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() =>
            await db.Database.ExecuteSqlRawAsync(SessionUnlockStatement, LockKey(SchemaLockKey)).ConfigureAwait(false);
    }

    private static NpgsqlParameter LockKey(string key) => new("lock_key", key);
}
