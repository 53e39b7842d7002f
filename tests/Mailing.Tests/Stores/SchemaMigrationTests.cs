using System.Data.Common;
using System.Globalization;
using Mailing.RecipientLists;
using Mailing.Store.EfCore;
using Mailing.Stores;
using Mailing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Mailing.Tests.Stores;

/// <summary>
/// Upgrades in place: a database made by release 0.1's <c>EnsureCreated</c> (its DDL frozen under
/// <c>Fixtures/</c>) keeps every row when the store initializes it, and an empty database gets the whole schema.
/// </summary>
public abstract class SchemaMigrationTests
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A fresh, empty database for one test.</summary>
    protected abstract Task<string> NewDatabaseAsync();

    protected abstract void UseDatabase(DbContextOptionsBuilder db, string connectionString);

    /// <summary>The provider's name in the fixture files (<c>sqlite</c>, <c>postgres</c>).</summary>
    protected abstract string Provider { get; }

    /// <summary>A value as release 0.1 stored it (SQLite keeps ids and times as text).</summary>
    protected abstract object Stored(object value);

    [Fact]
    public async Task A_database_made_by_ensure_created_keeps_every_row_and_counter_when_upgraded()
    {
        var database = await NewDatabaseAsync();
        await CreateReleaseZeroOneSchemaAsync(database);
        await FillAsync(database);
        var before = await RowCountsAsync(database);

        await using var services = Services(database);
        await InitializeAsync(services);

        Assert.Equal(before, await RowCountsAsync(database));
        await using var scope = services.CreateAsyncScope();
        var lists = scope.ServiceProvider.GetRequiredService<IRecipientListService>();
        var list = await lists.FindListAsync(Acme, "course-registrants", Ct);
        Assert.NotNull(list);
        Assert.Equal((3, 2, 1), (list.MemberCount, list.ActiveMemberCount, list.RemovedMemberCount));
        var removed = await lists.ListMembersAsync(Acme, "course-registrants", active: false, cancellationToken: Ct);
        Assert.Equal(["registration:3"], removed.Items.Select(m => m.SourceObjectKey));
        var contacts = scope.ServiceProvider.GetRequiredService<Mailing.Contacts.IContactService>();
        var ann = await contacts.FindAsync(Acme, AnnId, Ct);
        Assert.Equal(("+79161234567", "Europe/Moscow", "pro"), (ann!.Phone, ann.TimeZone, ann.Attributes.GetProperty("plan").GetString()));
        Assert.Equal(["vip"], ann.Tags);
        Assert.Null(await contacts.FindAsync(Acme, CarolId, Ct)); // deleted stays deleted
        Assert.NotNull(await lists.FindListAsync(MailingScope.ForClient("globex"), "course-registrants", Ct));
    }

    [Fact]
    public async Task An_upgraded_database_lists_every_migration_in_its_history()
    {
        var database = await NewDatabaseAsync();
        await CreateReleaseZeroOneSchemaAsync(database);
        await FillAsync(database);

        await using var services = Services(database);
        await InitializeAsync(services);

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MailingDbContext>();
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync(Ct));
        Assert.Empty(await db.Database.GetPendingMigrationsAsync(Ct));
    }

    [Fact]
    public async Task A_second_start_changes_nothing()
    {
        var database = await NewDatabaseAsync();
        await CreateReleaseZeroOneSchemaAsync(database);
        await FillAsync(database);
        await using var services = Services(database);
        await InitializeAsync(services);
        var rows = await RowCountsAsync(database);
        var history = await HistoryAsync(services);

        await InitializeAsync(services);

        Assert.Equal(rows, await RowCountsAsync(database));
        Assert.Equal(history, await HistoryAsync(services));
    }

    [Fact]
    public async Task An_empty_database_gets_the_whole_schema_and_its_history()
    {
        var database = await NewDatabaseAsync();
        await using var services = Services(database);

        await InitializeAsync(services);

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MailingDbContext>();
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync(Ct));
        var lists = scope.ServiceProvider.GetRequiredService<IRecipientListService>();
        var created = await lists.UpsertListAsync(Acme, "k", new RecipientListDefinition("t"), Ct);
        Assert.Equal(ListUpsertOutcome.Created, created.Outcome);
    }

    [Fact]
    public async Task A_migration_that_fails_is_rolled_back_and_start_up_fails_naming_it()
    {
        var database = await NewDatabaseAsync();
        // A table in the way of the first migration (but not one that marks an EnsureCreated database).
        await ExecuteAsync(database, "CREATE TABLE mailing_contact_tags (x integer)");
        await using var services = Services(database);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => InitializeAsync(services));

        Assert.Contains("InitialSchema", error.Message, StringComparison.Ordinal);
        Assert.Contains("rolled back", error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync(database, TableCountSql("mailing_contacts")));
    }

    [Fact]
    public async Task The_shipped_migrations_match_the_model()
    {
        // Fails when an entity or its configuration changes without a new migration for this provider.
        await using var services = Services(await NewDatabaseAsync());
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MailingDbContext>();

        Assert.False(db.Database.HasPendingModelChanges(), $"The model has changes without a {Provider} migration: add one (see the store README).");
    }

    [Fact]
    public async Task The_package_ships_only_this_providers_migrations_to_the_context()
    {
        await using var services = Services(await NewDatabaseAsync());
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MailingDbContext>();
        var migrations = db.GetService<IMigrationsAssembly>().Migrations.Values;

        Assert.NotEmpty(migrations);
        Assert.All(migrations, m => Assert.EndsWith(Provider, m.Namespace, StringComparison.OrdinalIgnoreCase));
    }

    protected static MailingScope Acme { get; } = MailingScope.ForClient("acme");

    protected static Guid AnnId { get; } = Guid.Parse("019a0000-0000-7000-8000-000000000001");

    protected static Guid CarolId { get; } = Guid.Parse("019a0000-0000-7000-8000-000000000003");

    protected ServiceProvider Services(string database)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMailing().UseEntityFrameworkCore(db => UseDatabase(db, database));
        return services.BuildServiceProvider();
    }

    protected static async Task InitializeAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IMailingStoreInitializer>().InitializeAsync(Ct);
    }

    protected async Task CreateReleaseZeroOneSchemaAsync(string database)
    {
        var ddl = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Stores", "Fixtures", $"ensure-created-0.1-{Provider}.sql"), Ct);
        await ExecuteAsync(database, ddl);
    }

    /// <summary>Two clients; contacts with every column; a list with active and removed members; a deleted contact.</summary>
    protected async Task FillAsync(string database)
    {
        var t0 = new DateTimeOffset(2026, 11, 1, 10, 0, 0, TimeSpan.Zero);
        var bob = Guid.Parse("019a0000-0000-7000-8000-000000000002");
        var dan = Guid.Parse("019a0000-0000-7000-8000-000000000004");
        var list = Guid.Parse("019a0000-0000-7000-8000-0000000000a1");
        var globexList = Guid.Parse("019a0000-0000-7000-8000-0000000000a2");
        const string contact = "INSERT INTO mailing_contacts (client_id, id, audience, email, normalized_email, name, created_at, updated_at, phone, time_zone, tags, attributes, status, external_id, deleted_at) VALUES ";
        await ExecuteAsync(database, contact + "('acme', @p0, 'default', 'Ann@Example.com', 'ann@example.com', 'Ann', @p1, @p1, '+79161234567', 'Europe/Moscow', '[\"vip\"]', '{\"plan\":\"pro\"}', 'active', 'crm-1', NULL)", AnnId, t0);
        await ExecuteAsync(database, contact + "('acme', @p0, 'default', 'bob@example.com', 'bob@example.com', NULL, @p1, @p1, NULL, NULL, NULL, NULL, 'active', NULL, NULL)", bob, t0);
        await ExecuteAsync(database, contact + "('acme', @p0, 'default', 'carol@example.com', 'carol@example.com', 'Carol', @p1, @p1, NULL, NULL, NULL, NULL, 'active', NULL, @p1)", CarolId, t0);
        await ExecuteAsync(database, contact + "('globex', @p0, 'default', 'dan@example.com', 'dan@example.com', NULL, @p1, @p1, NULL, NULL, NULL, NULL, 'active', NULL, NULL)", dan, t0);
        await ExecuteAsync(database, "INSERT INTO mailing_contact_tags (client_id, contact_id, tag) VALUES ('acme', @p0, 'vip')", AnnId);
        const string lists = "INSERT INTO mailing_recipient_lists (client_id, id, audience, key, type, name, metadata, member_count, active_member_count, last_reconciled_at, last_reconcile_status, last_reconcile_summary, created_at, updated_at) VALUES ";
        await ExecuteAsync(database, lists + "('acme', @p0, 'default', 'course-registrants', 'course_registrants', 'ML 2026', '{\"course\":\"ml\"}', 3, 2, @p1, 'Succeeded', NULL, @p1, @p1)", list, t0);
        await ExecuteAsync(database, lists + "('globex', @p0, 'default', 'course-registrants', 'course_registrants', 'Other', '{}', 1, 1, NULL, NULL, NULL, @p1, @p1)", globexList, t0);
        const string members = "INSERT INTO mailing_recipient_list_members (client_id, id, list_id, contact_id, email_snapshot, source_object_key, metadata, active, removed_at, created_at, updated_at) VALUES ";
        await ExecuteAsync(database, members + "('acme', @p0, @p1, @p2, 'Ann@Example.com', 'registration:1', '{}', @p3, NULL, @p4, @p4)", Guid.CreateVersion7(), list, AnnId, true, t0);
        await ExecuteAsync(database, members + "('acme', @p0, @p1, @p2, 'bob@example.com', 'registration:2', '{}', @p3, NULL, @p4, @p4)", Guid.CreateVersion7(), list, bob, true, t0);
        await ExecuteAsync(database, members + "('acme', @p0, @p1, @p2, 'carol@example.com', 'registration:3', '{}', @p3, @p4, @p4, @p4)", Guid.CreateVersion7(), list, CarolId, false, t0);
        await ExecuteAsync(database, members + "('globex', @p0, @p1, @p2, 'dan@example.com', 'registration:1', '{}', @p3, NULL, @p4, @p4)", Guid.CreateVersion7(), globexList, dan, true, t0);
    }

    protected async Task<string> RowCountsAsync(string database)
    {
        var counts = new List<string>();
        foreach (var table in new[] { "mailing_contacts", "mailing_contact_tags", "mailing_recipient_lists", "mailing_recipient_list_members" })
        {
            counts.Add($"{table}={await ScalarAsync(database, $"SELECT count(*) FROM {table}")}");
        }

        counts.Add($"active={await ScalarAsync(database, "SELECT count(*) FROM mailing_recipient_list_members WHERE active")}");
        counts.Add($"deleted={await ScalarAsync(database, "SELECT count(*) FROM mailing_contacts WHERE deleted_at IS NOT NULL")}");
        return string.Join(", ", counts);
    }

    protected static async Task<List<string>> HistoryAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        return [.. await scope.ServiceProvider.GetRequiredService<MailingDbContext>().Database.GetAppliedMigrationsAsync(Ct)];
    }

    protected abstract string TableCountSql(string table);

    protected abstract DbConnection Connect(string database);

    protected async Task ExecuteAsync(string database, string sql, params object[] parameters)
    {
        await using var connection = Connect(database);
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "p" + i.ToString(CultureInfo.InvariantCulture);
            parameter.Value = Stored(parameters[i]);
            command.Parameters.Add(parameter);
        }

        await command.ExecuteNonQueryAsync(Ct);
    }

    protected async Task<long> ScalarAsync(string database, string sql)
    {
        await using var connection = Connect(database);
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), CultureInfo.InvariantCulture);
    }
}

public sealed class SqliteSchemaMigrationTests : SchemaMigrationTests, IDisposable
{
    private readonly List<TempSqliteFile> _files = [];

    protected override string Provider => "sqlite";

    protected override Task<string> NewDatabaseAsync()
    {
        var file = new TempSqliteFile();
        _files.Add(file);
        return Task.FromResult(file.ConnectionString);
    }

    protected override void UseDatabase(DbContextOptionsBuilder db, string connectionString) => db.UseSqlite(connectionString);

    protected override DbConnection Connect(string database) => new Microsoft.Data.Sqlite.SqliteConnection(database);

    protected override string TableCountSql(string table) => $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'";

    // As EF Core's SQLite provider writes them: ids as upper-case text, times as ISO text, booleans as 0/1.
    protected override object Stored(object value) => value switch
    {
        Guid id => id.ToString().ToUpperInvariant(),
        DateTimeOffset time => time.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
        bool flag => flag ? 1 : 0,
        _ => value,
    };

    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }
}

public sealed class PostgresSchemaMigrationTests(PostgresServer server) : SchemaMigrationTests
{
    protected override string Provider => "postgres";

    protected override Task<string> NewDatabaseAsync() => server.GetDatabaseAsync($"migrate{Guid.NewGuid():N}"[..20]);

    protected override void UseDatabase(DbContextOptionsBuilder db, string connectionString) => db.UseNpgsql(connectionString);

    protected override DbConnection Connect(string database) => new Npgsql.NpgsqlConnection(database);

    protected override string TableCountSql(string table) => $"SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = '{table}'";

    protected override object Stored(object value) => value;

    [Fact]
    public async Task Two_replicas_starting_together_on_an_empty_database_both_start_and_migrate_once()
    {
        var database = await NewDatabaseAsync();
        await using var first = Services(database);
        await using var second = Services(database);

        await Task.WhenAll(InitializeAsync(first), InitializeAsync(second));

        await using var scope = first.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MailingDbContext>();
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync(Ct));
    }

    [Fact]
    public async Task Two_replicas_starting_together_on_an_ensure_created_database_adopt_it_once()
    {
        var database = await NewDatabaseAsync();
        await CreateReleaseZeroOneSchemaAsync(database);
        await FillAsync(database);
        var before = await RowCountsAsync(database);
        await using var first = Services(database);
        await using var second = Services(database);

        await Task.WhenAll(InitializeAsync(first), InitializeAsync(second));

        Assert.Equal(before, await RowCountsAsync(database));
        Assert.Equal(await HistoryAsync(first), (await HistoryAsync(second)).Distinct());
    }
}
