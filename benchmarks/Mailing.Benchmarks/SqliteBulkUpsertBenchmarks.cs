using BenchmarkDotNet.Attributes;
using Mailing.RecipientLists;
using Mailing.Store.EfCore;
using Mailing.Store.EfCore.Entities;
using Mailing.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailing.Benchmarks;

/// <summary>
/// Bulk upsert of new members into an empty SQLite list: Mailing's batched store path against the
/// naive way (one lookup and one SaveChanges per member), in the same run.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5, invocationCount: 1)]
public class SqliteBulkUpsertBenchmarks
{
    private readonly MailingScope _scope = MailingScope.ForClient("bench");
    private SqliteBenchStore _store = null!;
    private MemberInput[] _members = null!;

    [Params(2_000)]
    public int Members { get; set; }

    [IterationSetup]
    public void Setup()
    {
        _store = new SqliteBenchStore();
        _members = [.. Enumerable.Range(0, Members).Select(i => new MemberInput($"submission:{i}", $"user{i}@example.com"))];
    }

    [IterationCleanup]
    public void Cleanup() => _store.Dispose();

    [Benchmark(Baseline = true, Description = "naive: lookup + SaveChanges per member")]
    public async Task Naive()
    {
        using var scope = _store.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<MailingDbContext>();
        var now = DateTimeOffset.UtcNow;
        var list = new RecipientListEntity
        {
            ClientId = _scope.ClientId, Id = Guid.CreateVersion7(), Audience = _scope.Audience, Key = "l", Type = "t", Name = "l",
            Metadata = "{}", CreatedAt = now, UpdatedAt = now,
        };
        db.Add(list);
        await db.SaveChangesAsync();
        foreach (var member in _members)
        {
            var email = member.Email!.ToLowerInvariant();
            var contact = await db.Set<ContactEntity>().SingleOrDefaultAsync(c => c.ClientId == _scope.ClientId && c.Audience == _scope.Audience && c.NormalizedEmail == email);
            if (contact is null)
            {
                contact = new ContactEntity
                {
                    ClientId = _scope.ClientId, Id = Guid.CreateVersion7(), Audience = _scope.Audience, Email = member.Email, NormalizedEmail = email,
                    CreatedAt = now, UpdatedAt = now,
                };
                db.Add(contact);
            }

            var existing = await db.Set<RecipientListMemberEntity>().SingleOrDefaultAsync(m => m.ClientId == _scope.ClientId && m.ListId == list.Id && m.SourceObjectKey == member.SourceObjectKey);
            if (existing is null)
            {
                db.Add(new RecipientListMemberEntity
                {
                    ClientId = _scope.ClientId, Id = Guid.CreateVersion7(), ListId = list.Id, ContactId = contact.Id, EmailSnapshot = member.Email!,
                    SourceObjectKey = member.SourceObjectKey!, Metadata = "{}", Active = true, CreatedAt = now, UpdatedAt = now,
                });
                list.MemberCount++;
                list.ActiveMemberCount++;
            }

            await db.SaveChangesAsync();
        }
    }

    [Benchmark(Description = "Mailing: UpsertMembersAsync (batched)")]
    public async Task Mailing()
    {
        using var scope = _store.Services.CreateScope();
        var lists = scope.ServiceProvider.GetRequiredService<IRecipientListService>();
        await lists.UpsertMembersAsync(_scope, "l", _members.ToAsyncEnumerable());
    }
}

/// <summary>
/// A dry-run reconcile of a snapshot against a SQLite list of the same size (1% changed, 1% new, 1% absent), with
/// the snapshot in source-key order and shuffled: the batched path judges the first without resolving the
/// contacts of the items its rows settle, the second by hashing every key and address. A dry run changes
/// nothing, so every iteration sees the same list.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class SqliteReconcileBenchmarks
{
    private readonly MailingScope _scope = MailingScope.ForClient("bench");
    private SqliteBenchStore _store = null!;
    private MemberInput[] _ordered = null!;
    private MemberInput[] _shuffled = null!;

    [Params(100_000)]
    public int Members { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _store = new SqliteBenchStore(o => o.ItemDetailLimit = 1_000);
        using var scope = _store.Services.CreateScope();
        var onePercent = Members / 100;
        var initial = Enumerable.Range(0, Members).Select(i => new MemberInput($"submission:{i:D8}", $"user{i}@example.com"));
        scope.ServiceProvider.GetRequiredService<IRecipientListService>().UpsertMembersAsync(_scope, "l", initial.ToAsyncEnumerable()).GetAwaiter().GetResult();

        // Drop the first 1%, change the next 1% (address), add 1% new.
        _ordered = [.. Enumerable.Range(onePercent, Members).Select(i => new MemberInput(
            $"submission:{i:D8}", i < 2 * onePercent ? $"moved{i}@example.com" : $"user{i}@example.com"))];
        _shuffled = [.. _ordered];
        new Random(42).Shuffle(_shuffled);
    }

    [GlobalCleanup]
    public void Cleanup() => _store.Dispose();

    [Benchmark(Baseline = true, Description = "Mailing: dry-run reconcile, snapshot shuffled")]
    public Task<MembershipChangeResult> Shuffled() => ReconcileAsync(_shuffled);

    [Benchmark(Description = "Mailing: dry-run reconcile, snapshot in source-key order")]
    public Task<MembershipChangeResult> InKeyOrder() => ReconcileAsync(_ordered);

    private async Task<MembershipChangeResult> ReconcileAsync(MemberInput[] snapshot)
    {
        using var scope = _store.Services.CreateScope();
        var lists = scope.ServiceProvider.GetRequiredService<IRecipientListService>();
        var result = await lists.ReconcileAsync(_scope, "l", snapshot.ToAsyncEnumerable(), new ReconcileOptions(DryRun: true, RemoveAbsent: true));
        return result.Counts.Removed == Members / 100 ? result : throw new InvalidOperationException($"Unexpected counts: {result.Counts}");
    }
}
