using Mailing.Store.EfCore.Dialects.Postgres;
using Mailing.Store.EfCore.Dialects.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Mailing.Store.EfCore.Dialects;

/// <summary>
/// What differs between the databases the EF Core store runs on, in one place: each store asks its dialect
/// instead of testing the provider itself. Stateless singletons.
/// </summary>
internal abstract class StoreDialect
{
    /// <summary>The dialect of <paramref name="db"/>'s provider.</summary>
    /// <exception cref="NotSupportedException">The provider is neither SQLite nor PostgreSQL.</exception>
    public static StoreDialect For(DbContext db) =>
        db.Database.IsNpgsql() ? PostgresDialect.Instance
        : db.Database.IsSqlite() ? SqliteDialect.Instance
        : throw new NotSupportedException($"Mailing's EF Core store supports SQLite and PostgreSQL, not {db.Database.ProviderName}.");

    /// <summary>Whether a statement can take a whole column of rows as one array parameter (<c>unnest(@p)</c>).</summary>
    public abstract bool BindsArrays { get; }

    /// <summary>Positional parameters <c>@p0</c>, <c>@p1</c>, … for a hand-written statement, each value bound as <see cref="Bind"/> says.</summary>
    public System.Data.Common.DbParameter[] Parameters(DbContext db, IReadOnlyList<object?> values)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(values);
        using var command = db.Database.GetDbConnection().CreateCommand();
        var parameters = new System.Data.Common.DbParameter[values.Count];
        for (var i = 0; i < values.Count; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            parameter.Value = Bind(values[i]);
            parameters[i] = parameter;
        }

        return parameters;
    }

    /// <summary>
    /// Refreshes the planner's statistics of <paramref name="table"/> where the database keeps them per table and
    /// plans by them (PostgreSQL: <c>ANALYZE</c>, which samples a bounded number of rows); nothing elsewhere.
    /// </summary>
    public virtual Task RefreshStatisticsAsync(DbContext db, string table, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Whether the database takes one write transaction at a time (so writers queue in-process).</summary>
    public abstract bool WritesOneAtATime { get; }

    /// <summary>Whether large membership requests take the set-based path (binary COPY and a few statements).</summary>
    public abstract bool HasSetBasedMembershipPath { get; }

    /// <summary>
    /// Takes a lock named <paramref name="key"/> until the current transaction ends, where the database needs one to
    /// order concurrent writers (PostgreSQL: an advisory lock); nothing where writers are serialized anyway.
    /// </summary>
    public abstract Task LockForTransactionAsync(DbContext db, string key, CancellationToken cancellationToken);

    /// <summary>Begins a transaction that only reads (a dry run): on SQLite a deferred one, so it does not block writers.</summary>
    public virtual async Task<Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction> BeginReadTransactionAsync(DbContext db, CancellationToken cancellationToken) =>
        await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// A condition that the JSON object in <paramref name="column"/> has, under the name bound as argument
    /// <paramref name="nameArgument"/>, a value whose text equals argument <paramref name="valueArgument"/>
    /// (strings, numbers and booleans alike); returns the condition and the name argument to bind.
    /// </summary>
    public abstract (string Condition, object NameArgument) JsonTextEquals(string column, int nameArgument, int valueArgument, string name);

    /// <summary>Whether a table of this name exists where the connection looks for unqualified names.</summary>
    public abstract Task<bool> TableExistsAsync(DbContext db, string table, CancellationToken cancellationToken);

    /// <summary>Whether <paramref name="table"/> has a column named <paramref name="column"/>.</summary>
    public abstract Task<bool> ColumnExistsAsync(DbContext db, string table, string column, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps other processes from changing the schema until the result is disposed. Needs the context's
    /// connection open, and keeps using it.
    /// </summary>
    public abstract Task<IAsyncDisposable> LockSchemaAsync(DbContext db, CancellationToken cancellationToken);

    /// <summary>
    /// A statement that claims up to <paramref name="limit"/> rows of <paramref name="table"/> matching
    /// <paramref name="filter"/>, oldest <paramref name="orderBy"/> first, sets <paramref name="set"/> on them and
    /// returns them whole. Atomic: two claims never return the same row.
    /// </summary>
    public abstract string ClaimStatement(string table, string set, string filter, string orderBy, string limit);

    /// <summary>A value as a hand-written statement must bind it so that it compares and reads like EF Core's own writes.</summary>
    public abstract object Bind(object? value);

    /// <summary>Runs a scalar query whose only column is a count or a boolean.</summary>
    protected static async Task<bool> AnyAsync(DbContext db, FormattableString query, CancellationToken cancellationToken) =>
        await db.Database.SqlQuery<long>(query).SingleAsync(cancellationToken).ConfigureAwait(false) > 0;

    private sealed class Released : IAsyncDisposable
    {
        public static readonly Released Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    /// <summary>A lock that needs no release.</summary>
    protected static IAsyncDisposable NoLock => Released.Instance;
}
