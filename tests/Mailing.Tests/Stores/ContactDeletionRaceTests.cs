using Mailing.Contacts;
using Mailing.RecipientLists;
using Mailing.Store.EfCore;
using Mailing.Store.EfCore.Entities;
using Mailing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailing.Tests.Stores;

/// <summary>
/// On PostgreSQL, deleting contacts while bulk upserts and reconciles of the same client run on both write
/// paths: every writer and the deletion take the list locks first and the contact-write lock second, so the
/// counters stay equal to the rows and no active membership is left pointing at a deleted contact.
/// </summary>
public sealed class ContactDeletionRaceTests(PostgresServer server)
{
    private const int Lists = 4;
    private const int Writers = 8;
    private const int Deleters = 4;
    private const int RoundsPerWriter = 10;
    private const int Addresses = 400;

    [Fact]
    public async Task Deleting_contacts_while_bulk_writes_run_keeps_counters_equal_to_rows_and_no_active_member_of_a_deleted_contact()
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = await server.GetDatabaseAsync("delete_race");
        await using var batched = StoreServices.Build(db => db.UseNpgsql(connectionString), StoreServices.Batched);
        await using var setBased = StoreServices.Build(db => db.UseNpgsql(connectionString), StoreServices.SetBased);
        await using (var setup = batched.CreateAsyncScope())
        {
            await setup.ServiceProvider.GetRequiredService<MailingDbContext>().Database.EnsureCreatedAsync(ct);
        }

        var client = MailingScope.ForClient($"race-{Guid.NewGuid():N}");
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(TimeSpan.FromMinutes(2));

        var writers = Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteAsync(w % 2 == 0 ? batched : setBased, client, w, bounded.Token), ct)));
        var deleters = Enumerable.Range(0, Deleters).Select(d => Task.Run(() => DeleteAsync(batched, client, d, writers, bounded.Token), ct));
        await Task.WhenAll(deleters.Append(writers));

        await using var check = batched.CreateAsyncScope();
        var db = check.ServiceProvider.GetRequiredService<MailingDbContext>();
        var lists = await db.Set<RecipientListEntity>().AsNoTracking().Where(l => l.ClientId == client.ClientId).OrderBy(l => l.Key).ToListAsync(ct);
        var rows = db.Set<RecipientListMemberEntity>().AsNoTracking().Where(m => m.ClientId == client.ClientId);
        var stored = lists.Select(l => (l.Key, l.MemberCount, l.ActiveMemberCount)).ToList();
        var counted = new List<(string, long, long)>();
        foreach (var list in lists)
        {
            counted.Add((list.Key, await rows.LongCountAsync(m => m.ListId == list.Id, ct), await rows.LongCountAsync(m => m.ListId == list.Id && m.Active, ct)));
        }

        var activeOfDeleted = await (
            from m in rows
            join c in db.Set<ContactEntity>() on new { m.ClientId, Id = m.ContactId } equals new { c.ClientId, c.Id }
            where m.Active && c.DeletedAt != null
            select m.SourceObjectKey).ToListAsync(ct);
        Assert.Equal(counted, stored);
        Assert.Empty(activeOfDeleted);
    }

    /// <summary>Alternates bulk upserts and remove-absent reconciles of random address subsets into one list.</summary>
    private static async Task WriteAsync(ServiceProvider services, MailingScope client, int writer, CancellationToken ct)
    {
        var random = new Random(writer);
        for (var round = 0; round < RoundsPerWriter; round++)
        {
            var members = Enumerable.Range(0, Addresses).Where(_ => random.Next(3) > 0)
                .Select(i => new MemberInput($"k{i}", $"person{i}@example.com")).ToList();
            await using var scope = services.CreateAsyncScope();
            var lists = scope.ServiceProvider.GetRequiredService<IRecipientListService>();
            var key = $"list-{writer % Lists}";
            if (round % 2 == 0)
            {
                await lists.UpsertMembersAsync(client, key, members.ToAsyncEnumerable(), cancellationToken: ct);
            }
            else
            {
                await lists.ReconcileAsync(client, key, members.ToAsyncEnumerable(), new ReconcileOptions(DryRun: false, RemoveAbsent: true), cancellationToken: ct);
            }
        }
    }

    /// <summary>Until the writers are done, deletes random contacts that are active members (another deleter may have got there first: 404).</summary>
    private static async Task DeleteAsync(ServiceProvider services, MailingScope client, int deleter, Task writers, CancellationToken ct)
    {
        var random = new Random(1000 + deleter);
        while (!writers.IsCompleted)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MailingDbContext>();
            var live = await db.Set<RecipientListMemberEntity>().AsNoTracking()
                .Where(m => m.ClientId == client.ClientId && m.Active).Select(m => m.ContactId).Distinct().ToListAsync(ct);
            if (live.Count == 0)
            {
                await Task.Yield();
                continue;
            }

            try
            {
                await scope.ServiceProvider.GetRequiredService<IContactService>().DeleteAsync(client, live[random.Next(live.Count)], ct);
            }
            catch (MailingNotFoundException)
            {
                // Deleted by another deleter meanwhile.
            }
        }
    }
}
