using Mailing.Store.EfCore.Dialects;
using Microsoft.EntityFrameworkCore;

namespace Mailing.Store.EfCore.Dialects.Sqlite;

/// <summary>SQLite: one writer at a time per database file.</summary>
internal sealed class SqliteDialect : StoreDialect
{
    public static readonly SqliteDialect Instance = new();

    private SqliteDialect()
    {
    }

    public override bool BindsArrays => false;

    public override bool WritesOneAtATime => true;

    public override bool HasSetBasedMembershipPath => false;

    public override Task LockForTransactionAsync(DbContext db, string key, CancellationToken cancellationToken) => Task.CompletedTask;

    public override async Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction> BeginReadTransactionAsync(DbContext db, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var connection = (Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection();
        return (await db.Database.UseTransactionAsync(connection.BeginTransaction(deferred: true), cancellationToken).ConfigureAwait(false))!;
    }

    // json_extract yields 1/0 for booleans; spell them as PostgreSQL does so both stores agree.
    public override (string Condition, object NameArgument) JsonTextEquals(string column, int nameArgument, int valueArgument, string name) => (
        $"(CASE json_type({column}, {{{nameArgument}}}) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' " +
        $"ELSE CAST(json_extract({column}, {{{nameArgument}}}) AS TEXT) END) = {{{valueArgument}}}",
        $"$.\"{name}\"");

    // One writer at a time: the subquery picks, the update takes, nobody else can take them in between.
    public override string ClaimStatement(string table, string set, string filter, string orderBy, string limit) => $"""
        UPDATE {table} SET {set}
        WHERE rowid IN (SELECT rowid FROM {table} WHERE {filter} ORDER BY {orderBy} LIMIT {limit})
        RETURNING *
        """;

    // EF Core's SQLite provider keeps ids as upper-case text and times as ISO text (UTC here, so text order is time order).
    public override object Bind(object? value) => value switch
    {
        null => DBNull.Value,
        Guid id => id.ToString().ToUpperInvariant(),
        DateTimeOffset time => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss.FFFFFFFzzz", System.Globalization.CultureInfo.InvariantCulture),
        bool flag => flag ? 1 : 0,
        _ => value,
    };

    public override Task<bool> TableExistsAsync(DbContext db, string table, CancellationToken cancellationToken) =>
        AnyAsync(db, $"SELECT count(*) AS \"Value\" FROM sqlite_master WHERE type = 'table' AND name = {table}", cancellationToken);

    public override Task<bool> ColumnExistsAsync(DbContext db, string table, string column, CancellationToken cancellationToken) =>
        AnyAsync(db, $"SELECT count(*) AS \"Value\" FROM pragma_table_info({table}) WHERE name = {column}", cancellationToken);

    // Schema changes run in write transactions, which SQLite already serializes; EF Core's migration lock covers the rest.
    public override Task<IAsyncDisposable> LockSchemaAsync(DbContext db, CancellationToken cancellationToken) => Task.FromResult(NoLock);
}
