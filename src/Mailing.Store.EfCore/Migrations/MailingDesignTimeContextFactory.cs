using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Mailing.Store.EfCore.Migrations;

// The EF Core tools build these when a maintainer adds a migration to the package; no database is contacted.
// One context type per provider gives each set of migrations its own model snapshot:
//   dotnet ef migrations add Name --project src/Mailing.Store.EfCore --context SqliteMailingDbContext \
//       --output-dir Migrations/Sqlite --namespace Mailing.Store.EfCore.Migrations.Sqlite
//   dotnet ef migrations add Name --project src/Mailing.Store.EfCore --context PostgresMailingDbContext \
//       --output-dir Migrations/Postgres --namespace Mailing.Store.EfCore.Migrations.Postgres
// At run time the ready-made MailingDbContext uses the set of its provider (see ProviderMigrationsAssembly).

/// <summary>The SQLite migrations' design-time context.</summary>
internal sealed class SqliteMailingDbContext(DbContextOptions<MailingDbContext> options) : MailingDbContext(options);

/// <summary>The PostgreSQL migrations' design-time context.</summary>
internal sealed class PostgresMailingDbContext(DbContextOptions<MailingDbContext> options) : MailingDbContext(options);

internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteMailingDbContext>
{
    public SqliteMailingDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<MailingDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresMailingDbContext>
{
    public PostgresMailingDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<MailingDbContext>().UseNpgsql("Host=localhost;Database=design_time").Options);
}
