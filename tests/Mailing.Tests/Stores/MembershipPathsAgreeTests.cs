using Mailing.RecipientLists;
using Mailing.Store.EfCore;
using Mailing.Store.EfCore.Entities;
using Mailing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailing.Tests.Stores;

/// <summary>
/// The set-based PostgreSQL path, the batched path on PostgreSQL and the batched path on SQLite
/// must agree exactly: the same random requests (small key and email spaces, so items collide,
/// move contacts between keys and revive removed members) give the same outcomes, counts and rows.
/// </summary>
public sealed class MembershipPathsAgreeTests(PostgresServer server) : IDisposable
{
    private readonly TempSqliteFile _sqlite = new();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public Task Every_path_reports_the_same_outcomes_and_leaves_the_same_rows(int seed) =>
        AgreeAsync(seed, random => Enumerable.Range(0, random.Next(0, 25)).Select(_ => RandomMember(random)).ToList());

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public Task Every_path_agrees_on_requests_in_source_key_order_with_names_and_renamed_contacts(int seed) =>
        // In key order the batched path judges items settled on their rows without resolving contacts; names
        // and contacts whose address changed since the row was written must unsettle them.
        AgreeAsync(seed, random => [.. Enumerable.Range(0, random.Next(0, 25)).Select(_ => RandomMember(random, named: true))
            .OrderBy(m => m.SourceObjectKey, StringComparer.Ordinal)], renameContacts: true);

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    public Task Every_path_agrees_when_a_long_request_leaves_source_key_order_midway(int seed) =>
        // The first 500-item chunk is in key order, the rest is not: what the ordered chunk saw must carry over.
        AgreeAsync(seed, random =>
        {
            var ordered = Enumerable.Range(0, 500).Select(_ => RandomMember(random, keys: 300, emails: 250, named: true))
                .OrderBy(m => m.SourceObjectKey, StringComparer.Ordinal);
            var rest = Enumerable.Range(0, random.Next(1, 200)).Select(_ => RandomMember(random, keys: 300, emails: 250, named: true));
            return [.. ordered, .. rest];
        }, rounds: 8);

    [Fact]
    public async Task A_later_chunk_judges_contacts_by_the_rows_they_held_before_the_request()
    {
        // Item 1 moves k031 away from u31 in the first 500-item chunk; item 500, in the second chunk, brings u31
        // to k030. Judged on the rows as they were, item 500 is deferred (u31 held k031) and decided after item
        // 0, which asks for u30 — still held by k030 at that point, so item 0 is a duplicate contact.
        var ct = TestContext.Current.CancellationToken;
        var connectionString = await server.GetDatabaseAsync("paths");
        await using var setBased = StoreServices.Build(db => db.UseNpgsql(connectionString), StoreServices.SetBased);
        await using var batchedPg = StoreServices.Build(db => db.UseNpgsql(connectionString), StoreServices.Batched);
        await using var batchedSqlite = StoreServices.Build(db => db.UseSqlite(_sqlite.ConnectionString), StoreServices.SetBased);
        var initial = Enumerable.Range(0, 600).Select(i => new MemberInput($"k{i:D3}", $"u{i}@example.com")).ToList();
        List<MemberInput> request =
        [
            new("a-new", "u30@example.com"),
            new("k031", "fresh@example.com"),
            .. initial.Skip(100).Take(498),
            new("k030", "u31@example.com"),
        ];

        foreach (var services in new[] { setBased, batchedPg, batchedSqlite })
        {
            await using var scope = services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<MailingDbContext>().Database.EnsureCreatedAsync(ct);
            var lists = scope.ServiceProvider.GetRequiredService<IRecipientListService>();
            var client = MailingScope.ForClient($"chunks-{Guid.NewGuid():N}");
            await lists.UpsertMembersAsync(client, "l", initial.ToAsyncEnumerable(), cancellationToken: ct);

            var result = await lists.UpsertMembersAsync(client, "l", request.ToAsyncEnumerable(), cancellationToken: ct);

            Assert.Equal(MemberOutcome.DuplicateContact, result.Items.Single(i => i.Index == 0).Outcome);
            Assert.Equal(MemberOutcome.Updated, result.Items.Single(i => i.Index == 1).Outcome);
            Assert.Equal(MemberOutcome.Updated, result.Items.Single(i => i.Index == 500).Outcome);
        }
    }

    [Fact]
    public async Task A_large_request_with_a_summarized_result_agrees_with_the_batched_path()
    {
        // Beyond "few rows" (50,000 by default, 5,000 here) the set-based path hashes whole tables instead of
        // narrowing them, and beyond the item detail limit the result lists only the items worth reading. The
        // interesting items sit past both points, among unchanged ones they repeat or move.
        var ct = TestContext.Current.CancellationToken;
        var connectionString = await server.GetDatabaseAsync("paths");
        await using var setBased = StoreServices.Build(db => db.UseNpgsql(connectionString), StoreServices.SetBased, itemDetailLimit: 1_000, fewRows: 5_000);
        await using var batched = StoreServices.Build(db => db.UseNpgsql(connectionString), StoreServices.Batched, itemDetailLimit: 1_000, fewRows: 5_000);
        await using (var scope = setBased.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<MailingDbContext>().Database.EnsureCreatedAsync(ct);
        }

        var stores = new[] { setBased, batched };
        var clients = stores.Select(_ => MailingScope.ForClient($"large-{Guid.NewGuid():N}")).ToArray();
        const int members = 12_000;
        var initial = Enumerable.Range(0, members).Select(i => new MemberInput($"k{i:D5}", $"u{i}@example.com")).ToList();
        var snapshot = initial.Where(m => m.SourceObjectKey is not ("k00010" or "k10300" or "k10700")).Select(m => m.SourceObjectKey switch
        {
            "k00020" or "k10100" => m with { Email = $"changed-{m.Email}" },
            "k10200" => m with { Name = "Ann" },
            "k10600" => m with { Email = "broken" },
            "k10800" => m with { Email = m.Email!.ToUpperInvariant() },
            _ => m,
        }).ToList();
        snapshot.AddRange(Enumerable.Range(0, 10).Select(i => new MemberInput($"n{i}", $"new{i}@example.com")));
        snapshot.Add(new MemberInput("k10400", "again@example.com"));    // repeats an unchanged item's key
        snapshot.Add(new MemberInput("n-dup", "u10500@example.com"));    // repeats an unchanged item's address
        snapshot.Add(new MemberInput("n-moved", "u10700@example.com"));  // takes over an absent member's contact
        var upsert = snapshot.Take(11_000).Select(m => m.SourceObjectKey == "k11000" ? m with { Email = "moved-on@example.com" } : m).ToList();

        var steps = new (string Name, Func<IRecipientListService, MailingScope, Task<MembershipChangeResult>> Run)[]
        {
            ("initial upsert", (lists, client) => lists.UpsertMembersAsync(client, "l", initial.ToAsyncEnumerable(), cancellationToken: ct)),
            ("dry-run reconcile", (lists, client) => lists.ReconcileAsync(client, "l", snapshot.ToAsyncEnumerable(), new ReconcileOptions(DryRun: true, RemoveAbsent: true), cancellationToken: ct)),
            ("reconcile", (lists, client) => lists.ReconcileAsync(client, "l", snapshot.ToAsyncEnumerable(), new ReconcileOptions(DryRun: false, RemoveAbsent: true), cancellationToken: ct)),
            ("upsert", (lists, client) => lists.UpsertMembersAsync(client, "l", upsert.ToAsyncEnumerable(), cancellationToken: ct)),
        };
        foreach (var (name, run) in steps)
        {
            var results = new List<string>();
            for (var i = 0; i < stores.Length; i++)
            {
                await using var scope = stores[i].CreateAsyncScope();
                var result = await run(scope.ServiceProvider.GetRequiredService<IRecipientListService>(), clients[i]);
                results.Add(Describe(result) + await RowsAsync(scope.ServiceProvider, clients[i].ClientId));
            }

            Assert.True(results[0] == results[1], $"{name} differs:\n{results[0]}\n----\n{results[1]}");
        }
    }

    public void Dispose() => _sqlite.Dispose();

    private async Task AgreeAsync(int seed, Func<Random, List<MemberInput>> makeRequest, bool renameContacts = false, int rounds = 40)
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = await server.GetDatabaseAsync("paths");
        await using var setBased = StoreServices.Build(db => db.UseNpgsql(connectionString), StoreServices.SetBased);
        await using var batchedPg = StoreServices.Build(db => db.UseNpgsql(connectionString), StoreServices.Batched);
        await using var batchedSqlite = StoreServices.Build(db => db.UseSqlite(_sqlite.ConnectionString), StoreServices.SetBased);
        var stores = new[] { setBased, batchedPg, batchedSqlite };
        foreach (var services in stores)
        {
            await using var scope = services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<MailingDbContext>().Database.EnsureCreatedAsync(ct);
        }

        var random = new Random(seed);
        var clients = stores.Select(_ => MailingScope.ForClient($"paths-{seed}-{Guid.NewGuid():N}")).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            var request = makeRequest(random);
            var reconcile = random.Next(3) > 0;
            var options = new ReconcileOptions(DryRun: random.Next(4) == 0, RemoveAbsent: random.Next(2) == 0);
            var rename = renameContacts && random.Next(4) == 0 ? $"u{random.Next(7)}@example.com" : null;

            var results = new List<string>();
            for (var i = 0; i < stores.Length; i++)
            {
                await using var scope = stores[i].CreateAsyncScope();
                if (rename is not null)
                {
                    // The contact's address changes after its rows were written (as through the contacts API).
                    var renamed = $"renamed-{round}@example.com";
                    await scope.ServiceProvider.GetRequiredService<MailingDbContext>().Set<ContactEntity>()
                        .Where(c => c.ClientId == clients[i].ClientId && c.NormalizedEmail == rename)
                        .ExecuteUpdateAsync(s => s.SetProperty(c => c.Email, renamed).SetProperty(c => c.NormalizedEmail, renamed), ct);
                }

                var lists = scope.ServiceProvider.GetRequiredService<IRecipientListService>();
                var result = reconcile
                    ? await lists.ReconcileAsync(clients[i], "l", request.ToAsyncEnumerable(), options, cancellationToken: ct)
                    : await lists.UpsertMembersAsync(clients[i], "l", request.ToAsyncEnumerable(), cancellationToken: ct);
                results.Add(Describe(result) + await RowsAsync(scope.ServiceProvider, clients[i].ClientId));
            }

            Assert.True(results.Distinct().Count() == 1, $"Round {round} differs:\n{string.Join("\n----\n", results)}");
        }
    }

    private static MemberInput RandomMember(Random random, int keys = 8, int emails = 7, bool named = false)
    {
        var key = $"k{random.Next(keys)}";
        var email = random.Next(15) == 0 ? "broken" : $"u{random.Next(emails)}@example.com";
        var name = named ? (random.Next(4) switch { 0 => "Ann", 1 => "Bob", _ => null }) : null;
        return new MemberInput(key, random.Next(2) == 0 ? email.ToUpperInvariant() : email, name);
    }

    private static string Describe(MembershipChangeResult result) =>
        $"{result.Counts}\n" + string.Join("\n", result.Items.Select(i => $"{i.Index} {i.SourceObjectKey} {i.Outcome} {i.Error}")) + "\n";

    private static async Task<string> RowsAsync(IServiceProvider services, string clientId)
    {
        var db = services.GetRequiredService<MailingDbContext>();
        var rows = await db.Set<RecipientListMemberEntity>().AsNoTracking().Where(m => m.ClientId == clientId)
            .Select(m => new { m.SourceObjectKey, m.EmailSnapshot, m.Active })
            .ToListAsync(TestContext.Current.CancellationToken);
        var lists = await db.Set<RecipientListEntity>().AsNoTracking().Where(l => l.ClientId == clientId)
            .Select(l => new { l.MemberCount, l.ActiveMemberCount }).ToListAsync(TestContext.Current.CancellationToken);
        var contacts = await db.Set<ContactEntity>().AsNoTracking().Where(c => c.ClientId == clientId)
            .Select(c => new { c.NormalizedEmail, c.Name }).ToListAsync(TestContext.Current.CancellationToken);
        return string.Join("\n", contacts.OrderBy(c => c.NormalizedEmail, StringComparer.Ordinal).Select(c => $"{c.NormalizedEmail}:{c.Name}")) + "\n"
            + string.Join("\n", rows.OrderBy(r => r.SourceObjectKey, StringComparer.Ordinal).Select(r => $"{r.SourceObjectKey}={r.EmailSnapshot}:{r.Active}"))
            + "\n" + string.Join(",", lists.Select(l => $"{l.MemberCount}/{l.ActiveMemberCount}"));
    }
}
