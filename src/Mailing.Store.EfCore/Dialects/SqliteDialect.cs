using Microsoft.EntityFrameworkCore;

namespace Mailing.Store.EfCore.Dialects;

/// <summary>SQLite: one writer at a time per database file.</summary>
internal sealed class SqliteDialect : StoreDialect
{
    public static readonly SqliteDialect Instance = new();

    private SqliteDialect()
    {
    }

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
