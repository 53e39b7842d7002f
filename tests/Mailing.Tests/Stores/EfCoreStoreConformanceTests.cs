using System.Text;
using System.Text.Json;
using Mailing.Conformance;
using Mailing.Store.EfCore;
using Mailing.Store.EfCore.Entities;
using Mailing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailing.Tests.Stores;

/// <summary>The conformance suite on EF Core with SQLite: a fresh database file per test.</summary>
public sealed class SqliteStoreConformanceTests : RecipientStoreConformanceTests, IDisposable
{
    private readonly TempSqliteFile _file = new();

    protected override void UseStore(MailingBuilder builder) =>
        builder.UseEntityFrameworkCore(db => db.UseSqlite(_file.ConnectionString));

    protected override Task<string> DumpClientAsync(IServiceProvider services, string clientId) =>
        EfCoreDump.DumpAsync(services.GetRequiredService<MailingDbContext>(), clientId);

    public void Dispose() => _file.Dispose();
}

/// <summary>
/// The conformance suite on EF Core with PostgreSQL through the set-based path (forced even for
/// one item): one database for the run, a fresh client per test.
/// </summary>
public sealed class PostgresStoreConformanceTests(PostgresServer server) : RecipientStoreConformanceTests
{
    protected override void UseStore(MailingBuilder builder) =>
        builder.UseEntityFrameworkCore(
            db => db.UseNpgsql(server.GetDatabaseAsync("conformance").GetAwaiter().GetResult()),
            store => store.PostgresSetBasedThreshold = 0);

    protected override Task<string> DumpClientAsync(IServiceProvider services, string clientId) =>
        EfCoreDump.DumpAsync(services.GetRequiredService<MailingDbContext>(), clientId);
}

/// <summary>The conformance suite on PostgreSQL through the batched path (what small requests take).</summary>
public sealed class PostgresBatchedStoreConformanceTests(PostgresServer server) : RecipientStoreConformanceTests
{
    protected override void UseStore(MailingBuilder builder) =>
        builder.UseEntityFrameworkCore(
            db => db.UseNpgsql(server.GetDatabaseAsync("conformance").GetAwaiter().GetResult()),
            store => store.PostgresSetBasedThreshold = int.MaxValue - 1);

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
        Append(text, await db.Set<ContactTagEntity>().AsNoTracking().Where(e => e.ClientId == clientId).OrderBy(e => e.ContactId).ThenBy(e => e.Tag).ToListAsync());
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

/// <summary>The uniqueness rules are the database's, not only the code's.</summary>
public sealed class EfCoreSchemaTests : IDisposable
{
    private readonly TempSqliteFile _file = new();

    [Fact]
    public async Task The_schema_rejects_a_second_list_with_the_same_client_audience_and_key()
    {
        await using var db = await CreateAsync();
        db.Add(List("acme", "k"));
        db.Add(List("globex", "k"));
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);

        db.Add(List("acme", "k"));

        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("same-key", "other-contact")]
    [InlineData("other-key", "same-contact")]
    public async Task The_schema_rejects_a_second_member_with_the_same_source_key_or_contact(string key, string contact)
    {
        await using var db = await CreateAsync();
        var list = List("acme", "l");
        var ann = Contact("acme", "ann@example.com");
        var bob = Contact("acme", "bob@example.com");
        db.AddRange(list, ann, bob, Membership(list, ann, "same-key"));
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);

        db.Add(Membership(list, contact == "same-contact" ? ann : bob, key));

        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_schema_rejects_a_second_contact_with_the_same_normalized_email_in_an_audience()
    {
        await using var db = await CreateAsync();
        db.Add(Contact("acme", "ann@example.com"));
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);

        db.Add(Contact("acme", "ann@example.com"));

        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_contact_inserted_with_only_the_original_columns_reads_as_an_active_contact()
    {
        // The recipient-list paths (and set-based bulk paths) insert contacts with these eight columns only,
        // so every contact column added later must be nullable or have a database default.
        await using var db = await CreateAsync();
        var id = Guid.CreateVersion7();
        await db.Database.ExecuteSqlRawAsync(
            "INSERT INTO mailing_contacts (client_id, id, audience, email, normalized_email, name, created_at, updated_at) " +
            "VALUES ('acme', {0}, 'default', 'ann@example.com', 'ann@example.com', 'Ann', {1}, {1})",
            [id.ToString().ToUpperInvariant(), DateTimeOffset.UnixEpoch.ToString("O", System.Globalization.CultureInfo.InvariantCulture)],
            TestContext.Current.CancellationToken);

        var contact = await db.Set<ContactEntity>().AsNoTracking().SingleAsync(c => c.Id == id, TestContext.Current.CancellationToken);

        Assert.Equal(("active", null, null, null, null), (contact.Status, contact.Phone, contact.Tags, contact.Attributes, contact.DeletedAt));
    }

    [Fact]
    public async Task The_schema_rejects_a_second_contact_with_the_same_phone_in_an_audience()
    {
        await using var db = await CreateAsync();
        var ann = Contact("acme", "ann@example.com");
        ann.Phone = "+79161234567";
        db.Add(ann);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);

        var bob = Contact("acme", "bob@example.com");
        bob.Phone = "+79161234567";
        db.Add(bob);

        await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(TestContext.Current.CancellationToken));
    }

    public void Dispose() => _file.Dispose();

    private async Task<MailingDbContext> CreateAsync()
    {
        var db = new MailingDbContext(new DbContextOptionsBuilder<MailingDbContext>().UseSqlite(_file.ConnectionString).Options);
        await db.Database.EnsureCreatedAsync(TestContext.Current.CancellationToken);
        return db;
    }

    private static RecipientListEntity List(string client, string key) => new()
    {
        ClientId = client, Id = Guid.CreateVersion7(), Audience = "default", Key = key, Type = "t", Name = key, Metadata = "{}",
    };

    private static ContactEntity Contact(string client, string email) => new()
    {
        ClientId = client, Id = Guid.CreateVersion7(), Audience = "default", Email = email, NormalizedEmail = email,
    };

    private static RecipientListMemberEntity Membership(RecipientListEntity list, ContactEntity contact, string key) => new()
    {
        ClientId = list.ClientId, Id = Guid.CreateVersion7(), ListId = list.Id, ContactId = contact.Id,
        EmailSnapshot = contact.Email!, SourceObjectKey = key, Metadata = "{}", Active = true,
    };
}

/// <summary>A host's own context that keeps Mailing's tables in its schema <c>crm</c>.</summary>
internal sealed class CrmContext(DbContextOptions<CrmContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.HasDefaultSchema("crm").UseMailing();
}

/// <summary>
/// The conformance suite on PostgreSQL through a host context that maps Mailing's tables into another schema,
/// set-based path: every hand-written statement must name the tables as the model does.
/// </summary>
public sealed class PostgresHostSchemaStoreConformanceTests(PostgresServer server) : RecipientStoreConformanceTests
{
    protected override void UseStore(MailingBuilder builder)
    {
        var database = server.GetDatabaseAsync("crm_set_based").GetAwaiter().GetResult();
        builder.Services.AddDbContext<CrmContext>(db => db.UseNpgsql(database));
        builder.UseEntityFrameworkCore<CrmContext>(store => store.PostgresSetBasedThreshold = 0);
    }

    protected override Task<string> DumpClientAsync(IServiceProvider services, string clientId) =>
        EfCoreDump.DumpAsync(services.GetRequiredService<CrmContext>(), clientId);
}

/// <summary>The same host context and schema through the batched path.</summary>
public sealed class PostgresHostSchemaBatchedStoreConformanceTests(PostgresServer server) : RecipientStoreConformanceTests
{
    protected override void UseStore(MailingBuilder builder)
    {
        var database = server.GetDatabaseAsync("crm_batched").GetAwaiter().GetResult();
        builder.Services.AddDbContext<CrmContext>(db => db.UseNpgsql(database));
        builder.UseEntityFrameworkCore<CrmContext>(store => store.PostgresSetBasedThreshold = int.MaxValue - 1);
    }

    protected override Task<string> DumpClientAsync(IServiceProvider services, string clientId) =>
        EfCoreDump.DumpAsync(services.GetRequiredService<CrmContext>(), clientId);
}
