using Mailing.Store.EfCore.Migrations;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Mailing.Store.EfCore;

/// <summary>
/// A ready-made context holding only Mailing's tables, with the package's migrations for SQLite and
/// PostgreSQL (applied by <see cref="Mailing.Stores.IMailingStoreInitializer"/>). Hosts that prefer their own
/// context call <see cref="MailingModelBuilderExtensions.UseMailing"/> in its <c>OnModelCreating</c>, register
/// the store with <c>UseEntityFrameworkCore&lt;TContext&gt;()</c> and own the migrations.
/// </summary>
public class MailingDbContext(DbContextOptions<MailingDbContext> options) : DbContext(options)
{
    /// <inheritdoc />
    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder)
    {
        ArgumentNullException.ThrowIfNull(optionsBuilder);

        // One set of migrations per provider ships in this assembly; show EF Core the set of the provider in use.
        optionsBuilder.ReplaceService<IMigrationsAssembly, ProviderMigrationsAssembly>();
    }

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.UseMailing();
}
