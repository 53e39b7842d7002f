using System.Data.Common;
using Mailing.Store.EfCore.Dialects;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging;

namespace Mailing.Store.EfCore.Migrations;

/// <summary>
/// Brings the database to the schema of this release. Lifetime: scoped.
/// <list type="bullet">
/// <item>The ready-made <see cref="MailingDbContext"/> applies the package's migrations for its provider. A database
/// made by an earlier release's <c>EnsureCreated</c> (Mailing's tables, no migrations history) is adopted first:
/// the history table is created and the first migration recorded as applied, without touching a row.</item>
/// <item>A host context with migrations of its own applies them; one without any gets <c>EnsureCreated</c>.</item>
/// </list>
/// On PostgreSQL the whole step runs under a session advisory lock, so replicas starting together take turns:
/// the first migrates, the others then find nothing to do. Each migration runs in a transaction, so a failure
/// leaves the schema of the last one applied, and start-up fails with a message naming the migration.
/// </summary>
internal sealed partial class EfCoreStoreInitializer<TContext>(TContext db, ILogger<EfCoreStoreInitializer<TContext>> logger)
    : IMailingStoreInitializer
    where TContext : DbContext
{
    /// <summary>The first migration of each shipped set: the schema that <c>EnsureCreated</c> made before migrations shipped.</summary>
    internal const string BaselineMigration = "InitialSchema";

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (!db.Database.GetMigrations().Any())
        {
            await db.Database.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var dialect = StoreDialect.For(db);
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using (await dialect.LockSchemaAsync(db, cancellationToken).ConfigureAwait(false))
            {
                if (db is MailingDbContext)
                {
                    await AdoptDatabaseWithoutHistoryAsync(dialect, cancellationToken).ConfigureAwait(false);
                }

                await MigrateAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync().ConfigureAwait(false);
        }
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        var pending = (await db.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)).ToList();
        if (pending.Count == 0)
        {
            return;
        }

        Log.Applying(logger, pending.Count, string.Join(", ", pending));
        try
        {
            await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DbException or InvalidOperationException)
        {
            var applied = await db.Database.GetAppliedMigrationsAsync(CancellationToken.None).ConfigureAwait(false);
            var failed = pending.FirstOrDefault(p => !applied.Contains(p, StringComparer.Ordinal)) ?? pending[^1];
            throw new InvalidOperationException(
                $"Mailing could not upgrade the database schema: migration '{failed}' failed and was rolled back. " +
                $"The schema stays at '{applied.LastOrDefault() ?? "(none)"}', usable by the release that made it. " +
                $"Cause: {e.Message}", e);
        }

        Log.Applied(logger, pending.Count);
    }

    /// <summary>
    /// A database whose tables were made by <c>EnsureCreated</c> has no history table. Record the baseline as
    /// applied (in one transaction, checked again inside it) so that later migrations apply on top.
    /// </summary>
    private async Task AdoptDatabaseWithoutHistoryAsync(StoreDialect dialect, CancellationToken cancellationToken)
    {
        // Not IHistoryRepository.ExistsAsync: Npgsql's answers true before the table exists.
        if (await dialect.TableExistsAsync(db, HistoryRepository.DefaultTableName, cancellationToken).ConfigureAwait(false)
            || !await dialect.TableExistsAsync(db, "mailing_recipient_lists", cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        // The baseline is the schema of the last release without migrations; a database older than that cannot
        // be adopted blindly (its tables lack columns the baseline has).
        if (!await dialect.ColumnExistsAsync(db, "mailing_contacts", "deleted_at", cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException(
                "Mailing found its tables but not the schema of release 0.1 (mailing_contacts.deleted_at is missing), and no " +
                "migrations history. This database was made by an earlier preview and cannot be upgraded in place; export its " +
                "lists and re-import them into a new database.");
        }

        var baseline = db.GetService<IMigrationsAssembly>().FindMigrationId(BaselineMigration)
            ?? throw new InvalidOperationException($"The migration '{BaselineMigration}' is missing from the package.");
        var history = db.GetService<IHistoryRepository>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        if (await dialect.TableExistsAsync(db, HistoryRepository.DefaultTableName, cancellationToken).ConfigureAwait(false))
        {
            return; // another process adopted it meanwhile (SQLite: the transaction above waited for it)
        }

        await db.Database.ExecuteSqlRawAsync(history.GetCreateScript(), cancellationToken).ConfigureAwait(false);
        await db.Database.ExecuteSqlRawAsync(
            history.GetInsertScript(new HistoryRow(baseline, ProductInfo.GetVersion())), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        Log.Adopted(logger, baseline);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Mailing's tables were created without migrations history; recorded '{Baseline}' as applied, no row changed")]
        public static partial void Adopted(ILogger logger, string baseline);

        [LoggerMessage(2, LogLevel.Information, "Applying {Count} Mailing schema migration(s): {Migrations}")]
        public static partial void Applying(ILogger logger, int count, string migrations);

        [LoggerMessage(3, LogLevel.Information, "Applied {Count} Mailing schema migration(s)")]
        public static partial void Applied(ILogger logger, int count);
    }
}
