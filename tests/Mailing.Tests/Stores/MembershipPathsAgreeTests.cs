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
    public async Task Every_path_reports_the_same_outcomes_and_leaves_the_same_rows(int seed)
    {
        var connectionString = await server.GetDatabaseAsync("paths");
        await using var setBased = StoreServices.Build(db => db.UseNpgsql(connectionString), StoreServices.SetBased);
        await using var batchedPg = StoreServices.Build(db => db.UseNpgsql(connectionString), StoreServices.Batched);
        await using var batchedSqlite = StoreServices.Build(db => db.UseSqlite(_sqlite.ConnectionString), StoreServices.SetBased);
        var stores = new[] { setBased, batchedPg, batchedSqlite };
        foreach (var services in stores)
        {
            await using var scope = services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<MailingDbContext>().Database.EnsureCreatedAsync(TestContext.Current.CancellationToken);
        }

        var random = new Random(seed);
        var clients = stores.Select(_ => MailingScope.ForClient($"paths-{seed}-{Guid.NewGuid():N}")).ToArray();
        for (var round = 0; round < 40; round++)
        {
            var request = Enumerable.Range(0, random.Next(0, 25)).Select(_ => RandomMember(random)).ToList();
            var reconcile = random.Next(3) > 0;
            var options = new ReconcileOptions(DryRun: random.Next(4) == 0, RemoveAbsent: random.Next(2) == 0);

            var results = new List<string>();
            for (var i = 0; i < stores.Length; i++)
            {
                await using var scope = stores[i].CreateAsyncScope();
                var lists = scope.ServiceProvider.GetRequiredService<IRecipientListService>();
                var result = reconcile
                    ? await lists.ReconcileAsync(clients[i], "l", request.ToAsyncEnumerable(), options, cancellationToken: TestContext.Current.CancellationToken)
                    : await lists.UpsertMembersAsync(clients[i], "l", request.ToAsyncEnumerable(), cancellationToken: TestContext.Current.CancellationToken);
                results.Add(Describe(result) + await RowsAsync(scope.ServiceProvider, clients[i].ClientId));
            }

            Assert.True(results.Distinct().Count() == 1, $"Round {round} differs:\n{string.Join("\n----\n", results)}");
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

    private static MemberInput RandomMember(Random random)
    {
        var key = $"k{random.Next(8)}";
        var email = random.Next(15) == 0 ? "broken" : $"u{random.Next(7)}@example.com";
        return new MemberInput(key, random.Next(2) == 0 ? email.ToUpperInvariant() : email);
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
        return string.Join("\n", rows.OrderBy(r => r.SourceObjectKey, StringComparer.Ordinal).Select(r => $"{r.SourceObjectKey}={r.EmailSnapshot}:{r.Active}"))
            + "\n" + string.Join(",", lists.Select(l => $"{l.MemberCount}/{l.ActiveMemberCount}"));
    }
}
