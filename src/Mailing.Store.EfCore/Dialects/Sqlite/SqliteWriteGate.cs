using System.Collections.Concurrent;
using Mailing.Store.EfCore.Dialects;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Mailing.Store.EfCore.Dialects.Sqlite;

/// <summary>
/// SQLite runs one write transaction at a time per database. Instead of letting writers meet SQLite's busy
/// timeout (and fail with "database is locked"), the stores queue their write transactions here, one gate
/// per database file, and give up after <see cref="MailingEntityFrameworkCoreOptions.SqliteWriteWait"/>
/// with <see cref="StoreBusyException"/>. Other databases pass straight through.
/// Lifetime: singleton, shared by every scope and context of the process.
/// </summary>
internal sealed class SqliteWriteGate(TimeProvider time, IOptions<MailingEntityFrameworkCoreOptions> options)
{
    /// <summary>What a caller that gave up is told to wait before retrying.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="write"/>; on SQLite, once the writes ahead of it to the same database are done.</summary>
    public async Task<T> WriteAsync<T>(DbContext db, Func<CancellationToken, Task<T>> write, CancellationToken cancellationToken)
    {
        using var entered = await EnterAsync(db, cancellationToken).ConfigureAwait(false);
        try
        {
            return await write(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (DbErrors.IsBusy(ex))
        {
            // Another process, or a long reader, held the database past SQLite's own busy timeout.
            throw Busy(ex);
        }
    }

    /// <summary>Enters the database's gate (at once on other databases); dispose the result to leave it.</summary>
    public async Task<IDisposable> EnterAsync(DbContext db, CancellationToken cancellationToken)
    {
        if (!StoreDialect.For(db).WritesOneAtATime)
        {
            return Entered.None;
        }

        var gate = _gates.GetOrAdd(Key(db), static _ => new SemaphoreSlim(1, 1));
        var wait = options.Value.SqliteWriteWait;
        if (!gate.Wait(0, CancellationToken.None))
        {
            if (wait <= TimeSpan.Zero)
            {
                throw Busy(null);
            }

            using var timeout = new CancellationTokenSource(wait, time);
            using var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                await gate.WaitAsync(waiting.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw Busy(null);
            }
        }

        return new Entered(gate);
    }

    /// <summary>The database file a context writes to (in-memory databases: their connection string).</summary>
    private static string Key(DbContext db)
    {
        var connectionString = db.Database.GetDbConnection().ConnectionString;
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var source = builder.DataSource;
        return builder.Mode == SqliteOpenMode.Memory || source is "" or ":memory:" || source.StartsWith("file:", StringComparison.OrdinalIgnoreCase)
            ? connectionString
            : Path.GetFullPath(source);
    }

    private static StoreBusyException Busy(Exception? inner) =>
        new("The SQLite database is busy with other writes; nothing was written. Retry shortly.", RetryAfter, inner);

    private sealed class Entered(SemaphoreSlim? gate) : IDisposable
    {
        public static readonly Entered None = new(null);

        public void Dispose() => gate?.Release();
    }
}
