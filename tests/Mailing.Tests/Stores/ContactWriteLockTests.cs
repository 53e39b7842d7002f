using Mailing.RecipientLists;
using Mailing.Store.EfCore;
using Mailing.Store.EfCore.Contacts;
using Mailing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Mailing.Tests.Stores;

/// <summary>
/// On PostgreSQL, member imports that create contacts take the client's contact-write lock first, so two
/// imports for two lists of one client creating the same new addresses queue up instead of deadlocking
/// (a deadlock would fail a streamed request, which cannot be replayed). Both write paths take it.
/// </summary>
public sealed class ContactWriteLockTests(PostgresServer server)
{
    [Theory]
    [InlineData(StoreServices.SetBased)]
    [InlineData(StoreServices.Batched)]
    public async Task An_import_creating_contacts_waits_while_another_transaction_holds_the_clients_contact_write_lock(int threshold)
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = await server.GetDatabaseAsync("contact_lock");
        await using var services = StoreServices.Build(db => db.UseNpgsql(connectionString), threshold);
        await using (var setup = services.CreateAsyncScope())
        {
            await setup.ServiceProvider.GetRequiredService<MailingDbContext>().Database.EnsureCreatedAsync(ct);
        }

        var client = MailingScope.ForClient($"lock-{Guid.NewGuid():N}");
        await using var holder = new NpgsqlConnection(connectionString);
        await holder.OpenAsync(ct);
        await using var held = await holder.BeginTransactionAsync(ct);
        await using (var take = new NpgsqlCommand(ContactWriteLock.Statement, holder, held))
        {
            take.Parameters.AddWithValue("lock_key", ContactWriteLock.Key(client));
            await take.ExecuteScalarAsync(ct);
        }

        var members = Enumerable.Range(0, 50).Select(i => new MemberInput($"k{i}", $"person{i}@example.com")).ToList();
        var import = Task.Run(() => ImportAsync(services, client, members), ct);

        await WaitForAdvisoryLockWaiterAsync(connectionString, import, ct);
        Assert.False(import.IsCompleted);
        await held.CommitAsync(ct);
        Assert.Equal(50, (await import).Counts.Added);
    }

    /// <summary>
    /// Polls until a session of the database waits on an advisory lock (the import can only wait on the one
    /// held). The probe has its own connection: inside a transaction PostgreSQL keeps showing the activity
    /// snapshot it took first.
    /// </summary>
    private static async Task WaitForAdvisoryLockWaiterAsync(string connectionString, Task import, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var probe = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'", connection);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while ((long)(await probe.ExecuteScalarAsync(timeout.Token))! == 0)
        {
            if (import.IsCompleted)
            {
                await import; // surfaces the import's failure
                Assert.Fail("The import finished without waiting for the contact-write lock.");
            }

            await Task.Delay(20, timeout.Token);
        }
    }

    private static async Task<MembershipChangeResult> ImportAsync(ServiceProvider services, MailingScope client, List<MemberInput> members)
    {
        await using var scope = services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IRecipientListService>()
            .UpsertMembersAsync(client, "l", members.ToAsyncEnumerable(), cancellationToken: TestContext.Current.CancellationToken);
    }
}
