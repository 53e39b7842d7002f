using System.Text;
using System.Text.Json;
using Mailing.Store.EfCore;
using Mailing.Store.EfCore.Entities;
using Mailing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailing.Tests.Stores;

/// <summary>The conformance suite on EF Core with SQLite: a fresh database file per test.</summary>
public sealed class SqliteStoreConformanceTests : RecipientListStoreConformanceTests, IDisposable
{
    private readonly TempSqliteFile _file = new();

    protected override void UseStore(MailingBuilder builder) =>
        builder.UseEntityFrameworkCore(db => db.UseSqlite(_file.ConnectionString));

    protected override Task<string> DumpClientAsync(IServiceProvider services, string clientId) =>
        EfCoreDump.DumpAsync(services.GetRequiredService<MailingDbContext>(), clientId);

    public void Dispose() => _file.Dispose();
}

/// <summary>The conformance suite on EF Core with PostgreSQL: one database for the run, a fresh client per test.</summary>
public sealed class PostgresStoreConformanceTests(PostgresServer server) : RecipientListStoreConformanceTests
{
    private string? _connectionString;

    protected override void UseStore(MailingBuilder builder)
    {
        _connectionString = server.GetDatabaseAsync("conformance").GetAwaiter().GetResult();
        builder.UseEntityFrameworkCore(db => db.UseNpgsql(_connectionString));
    }

    protected override Task<string> DumpClientAsync(IServiceProvider services, string clientId) =>
        EfCoreDump.DumpAsync(services.GetRequiredService<MailingDbContext>(), clientId);
}

/// <summary>Dumps every Mailing row of a client, all columns, in a stable order.</summary>
internal static class EfCoreDump
{
    public static async Task<string> DumpAsync(DbContext db, string clientId)
    {
        var text = new StringBuilder();
        Append(text, await db.Set<ContactEntity>().AsNoTracking().Where(e => e.ClientId == clientId).OrderBy(e => e.Id).ToListAsync());
        Append(text, await db.Set<RecipientListEntity>().AsNoTracking().Where(e => e.ClientId == clientId).OrderBy(e => e.Id).ToListAsync());
        Append(text, await db.Set<RecipientListMemberEntity>().AsNoTracking().Where(e => e.ClientId == clientId).OrderBy(e => e.Id).ToListAsync());
        return text.ToString();
    }

    private static void Append<T>(StringBuilder text, List<T> rows)
    {
        foreach (var row in rows)
        {
            text.AppendLine(JsonSerializer.Serialize(row));
        }
    }
}
