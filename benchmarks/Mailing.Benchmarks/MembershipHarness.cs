using System.Diagnostics;
using System.Runtime.CompilerServices;
using Mailing.RecipientLists;
using Mailing.Store.EfCore;
using Mailing.Store.EfCore.Entities;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using NpgsqlTypes;

namespace Mailing.Benchmarks;

/// <summary>
/// Store-level harness against a real PostgreSQL, all in one run so the ratios are fair:
/// raw binary COPY of N narrow rows into an unindexed table (the physical limit), bulk upsert of
/// N new members (contacts created too), reconcile of an N-member snapshot with 1% changed, 1% new
/// and 1% absent, and the naive EF Core way (tracked entities, SaveChanges per 1,000) on a smaller N.
/// </summary>
internal static class MembershipHarness
{
    public const string Name = "membership";

    public static async Task<int> RunAsync(string[] args)
    {
        var connection = Argument(args, "--connection") ?? Environment.GetEnvironmentVariable("MAILING_BENCH_POSTGRES");
        if (connection is null)
        {
            Console.Error.WriteLine($"usage: {Name} --connection \"Host=...;Username=...;Database=...\" [--members 1000000] [--naive 50000]");
            return 2;
        }

        var members = int.Parse(Argument(args, "--members") ?? "1000000", System.Globalization.CultureInfo.InvariantCulture);
        var naive = int.Parse(Argument(args, "--naive") ?? "50000", System.Globalization.CultureInfo.InvariantCulture);
        var client = $"bench-{Guid.NewGuid():N}"[..20];
        await using var services = Services(connection);
        await using (var scope = services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IMailingStoreInitializer>().InitializeAsync(default);
        }

        Console.WriteLine($"PostgreSQL harness: {members:N0} members, naive EF Core on {naive:N0}, client {client}");

        // Warm-up on another client, so the timed runs measure the database work, not the JIT compiling the path.
        var warmUp = MailingScope.ForClient($"{client}-w");
        await TimeAsync(services, s => s.UpsertMembersAsync(warmUp, "warm-up", Snapshot(WarmUpMembers, 0)));
        await TimeAsync(services, s => s.ReconcileAsync(warmUp, "warm-up", Snapshot(WarmUpMembers, 1), new ReconcileOptions(RemoveAbsent: true)));
        var copy = await RawCopyAsync(connection, members);
        Report("raw binary COPY into an unindexed table", members, copy);

        var bulk = await TimeAsync(services, s => s.UpsertMembersAsync(MailingScope.ForClient(client), "bulk", Snapshot(members, 0)));
        Report("bulk upsert of new members (contacts created)", members, bulk.Elapsed, bulk.Result);

        // The reconcile runs against a list loaded some time ago: autovacuum has processed the million new
        // rows (otherwise it would be doing so on the second core during the timed run) and statistics are fresh.
        await VacuumAsync(connection);
        var reconcile = await TimeAsync(services, s => s.ReconcileAsync(MailingScope.ForClient(client), "bulk", Snapshot(members, 1), new ReconcileOptions(RemoveAbsent: true)));
        Report("reconcile (1% changed, 1% new, 1% absent)", members, reconcile.Elapsed, reconcile.Result);
        Console.WriteLine($"  reconcile / raw COPY = {reconcile.Elapsed / copy:F2}x");

        // The naive import, too, gets fresh statistics, as it would on a database autovacuum has caught up
        // with: right after a million-row load they still describe the empty tables, and its look-ups would scan.
        await VacuumAsync(connection);
        var naiveElapsed = await NaiveAsync(services, client, naive);
        Report("naive EF Core: tracked entities, SaveChanges per 1,000", naive, naiveElapsed);
        Console.WriteLine($"  bulk upsert rows/s / naive rows/s = {members / bulk.Elapsed.TotalSeconds / (naive / naiveElapsed.TotalSeconds):F1}x");
        Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024):N0} MB");
        return 0;
    }

    private const int WarmUpMembers = 20_000;

    /// <summary>VACUUM cannot run in a transaction, so each table gets its own command.</summary>
    private static async Task VacuumAsync(string connectionString)
    {
        await ExecuteAsync(connectionString, "VACUUM ANALYZE mailing_contacts");
        await ExecuteAsync(connectionString, "VACUUM ANALYZE mailing_recipient_list_members");
    }

    private static async Task ExecuteAsync(string connectionString, string statement)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(statement, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    private static ServiceProvider Services(string connection)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMailing(o => o.ItemDetailLimit = 100_000).UseEntityFrameworkCore(db => db.UseNpgsql(connection));
        return services.BuildServiceProvider();
    }

    /// <summary>Members 0..n-1 (round 0); round 1 drops the first 1%, changes the next 1% and adds 1% new.</summary>
    private static async IAsyncEnumerable<MemberInput> Snapshot(int n, int round, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var onePercent = n / 100;
        var (from, to) = round == 0 ? (0, n) : (onePercent, n + onePercent);
        for (var i = from; i < to; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var email = round == 1 && i < 2 * onePercent ? $"changed{i}@example.com" : $"user{i}@example.com";
            yield return new MemberInput($"submission:{i:D8}", email);
        }

        await Task.CompletedTask;
    }

    private static async Task<(TimeSpan Elapsed, MembershipChangeResult Result)> TimeAsync(
        ServiceProvider services, Func<IRecipientListService, Task<MembershipChangeResult>> run)
    {
        await using var scope = services.CreateAsyncScope();
        var stopwatch = Stopwatch.StartNew();
        var result = await run(scope.ServiceProvider.GetRequiredService<IRecipientListService>());
        return (stopwatch.Elapsed, result);
    }

    private static async Task<TimeSpan> RawCopyAsync(string connectionString, int n)
    {
        await ExecuteAsync(connectionString, "DROP TABLE IF EXISTS bench_raw_copy; CREATE UNLOGGED TABLE bench_raw_copy (source_key text, email text)");
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var stopwatch = Stopwatch.StartNew();
        await using (var importer = await connection.BeginBinaryImportAsync("COPY bench_raw_copy (source_key, email) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < n; i++)
            {
                await importer.StartRowAsync();
                await importer.WriteAsync($"submission:{i:D8}", NpgsqlDbType.Text);
                await importer.WriteAsync($"user{i}@example.com", NpgsqlDbType.Text);
            }

            await importer.CompleteAsync();
        }

        var elapsed = stopwatch.Elapsed;
        await ExecuteAsync(connectionString, "DROP TABLE bench_raw_copy");
        return elapsed;
    }

    /// <summary>What a hand-written import usually does: look each member up, add it, save every 1,000.</summary>
    private static async Task<TimeSpan> NaiveAsync(ServiceProvider services, string client, int n)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MailingDbContext>();
        var now = DateTimeOffset.UtcNow;
        var list = new RecipientListEntity
        {
            ClientId = client, Id = Guid.CreateVersion7(), Audience = "default", Key = "naive", Type = "t", Name = "naive", Metadata = "{}", CreatedAt = now, UpdatedAt = now,
        };
        db.Add(list);
        await db.SaveChangesAsync();
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            var email = $"naive{i}@example.com";
            var contact = await db.Set<ContactEntity>().SingleOrDefaultAsync(c => c.ClientId == client && c.Audience == "default" && c.NormalizedEmail == email);
            if (contact is null)
            {
                contact = new ContactEntity { ClientId = client, Id = Guid.CreateVersion7(), Audience = "default", Email = email, NormalizedEmail = email, CreatedAt = now, UpdatedAt = now };
                db.Add(contact);
            }

            var key = $"naive:{i}";
            if (!await db.Set<RecipientListMemberEntity>().AnyAsync(m => m.ClientId == client && m.ListId == list.Id && m.SourceObjectKey == key))
            {
                db.Add(new RecipientListMemberEntity
                {
                    ClientId = client, Id = Guid.CreateVersion7(), ListId = list.Id, ContactId = contact.Id, EmailSnapshot = email, SourceObjectKey = key,
                    Metadata = "{}", Active = true, CreatedAt = now, UpdatedAt = now,
                });
                list.MemberCount++;
                list.ActiveMemberCount++;
            }

            if (i % 1000 == 999)
            {
                await db.SaveChangesAsync();
            }
        }

        await db.SaveChangesAsync();
        return stopwatch.Elapsed;
    }

    private static void Report(string what, int n, TimeSpan elapsed, MembershipChangeResult? result = null)
    {
        Console.WriteLine($"{what}: {n:N0} in {elapsed.TotalSeconds:F2} s = {n / elapsed.TotalSeconds:N0} rows/s");
        if (result is not null)
        {
            Console.WriteLine($"  counts: {result.Counts}");
        }
    }

    internal static string? Argument(string[] args, string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }
}
