using System.Text.Json;
using Mailing.Audiences;
using Mailing.Contacts;
using Mailing.RecipientLists;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mailing.Conformance;

/// <summary>
/// The behaviour every store must have for recipient lists, their members, contacts and audience selections.
/// A store runs this suite through one small subclass that registers it (<see cref="UseStore"/>) and dumps a
/// client's rows (<see cref="DumpClientAsync"/>); the store is done when that subclass is green. Every test works
/// in fresh clients, so stores may share one database across tests.
/// </summary>
/// <remarks>
/// After every test, and whenever a test dumps the store, the suite checks through the public API that each
/// list's counters equal its member rows (<see cref="AssertCountersMatchMembersAsync"/>), in every scope the suite
/// writes to.
/// </remarks>
public abstract partial class RecipientStoreConformanceTests : IAsyncLifetime
{
    private ServiceProvider? _services;

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

    /// <summary>The scope most tests work in: a fresh client's default audience.</summary>
    protected MailingScope Scope { get; } = MailingScope.ForClient($"client-{Guid.NewGuid():N}");

    /// <summary>Another audience of the same client.</summary>
    protected MailingScope OtherAudience => Scope with { Audience = "students" };

    /// <summary>Another fresh client, for the tests of tenant isolation.</summary>
    protected MailingScope OtherClient { get; } = MailingScope.ForClient($"other-{Guid.NewGuid():N}");

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Registers the store under test.</summary>
    protected abstract void UseStore(MailingBuilder builder);

    /// <summary>
    /// Everything the store holds for one client, as comparable text (rows in a stable order, all columns):
    /// what "writes nothing" is checked against.
    /// </summary>
    protected abstract Task<string> DumpClientAsync(IServiceProvider services, string clientId);

    public async ValueTask InitializeAsync()
    {
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(Time);
        UseStore(services.AddMailing(o => o.ItemDetailLimit = 100));
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
        await using var scope = _services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Mailing.Stores.IMailingStoreInitializer>().InitializeAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
        {
            await AssertCountersMatchMembersAsync();
            await _services.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// The store's invariant, read through the public API so that it holds for any store: in every scope the
    /// suite writes to, each list's member, active and removed counters equal the members the store lists.
    /// </summary>
    protected async Task AssertCountersMatchMembersAsync()
    {
        foreach (var scope in new[] { Scope, OtherAudience, OtherClient })
        {
            string? cursor = null;
            do
            {
                var lists = await Lists(s => s.ListListsAsync(scope, cursor, limit: null, Ct));
                foreach (var list in lists.Items)
                {
                    var active = await CountMembersAsync(scope, list.Key, active: true);
                    var removed = await CountMembersAsync(scope, list.Key, active: false);
                    Assert.True(
                        (list.MemberCount, list.ActiveMemberCount, list.RemovedMemberCount) == (active + removed, active, removed),
                        $"List '{list.Key}' in {scope} counts {list.MemberCount} members, {list.ActiveMemberCount} active and "
                        + $"{list.RemovedMemberCount} removed, but lists {active + removed}, {active} and {removed}.");
                }

                cursor = lists.NextCursor;
            }
            while (cursor is not null);
        }
    }

    private int LargestPage => _services!.GetRequiredService<IOptions<MailingOptions>>().Value.MaxPageSize;

    private async Task<long> CountMembersAsync(MailingScope scope, string listKey, bool active)
    {
        long count = 0;
        string? cursor = null;
        do
        {
            var page = await Lists(s => s.ListMembersAsync(scope, listKey, active, cursor, limit: LargestPage, Ct));
            count += page.Items.Count;
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return count;
    }

    // ---- helpers ----------------------------------------------------------------------------

    protected async Task<T> Lists<T>(Func<IRecipientListService, Task<T>> action)
    {
        await using var scope = _services!.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<IRecipientListService>());
    }

    protected Task<MembershipChangeResult> Bulk(string key, IReadOnlyList<MemberInput> members) =>
        Lists(s => s.UpsertMembersAsync(Scope, key, members.ToAsyncEnumerable(), cancellationToken: Ct));

    protected Task<MembershipChangeResult> Reconcile(string key, IReadOnlyList<MemberInput> members, bool removeAbsent, bool dryRun = false) =>
        Lists(s => s.ReconcileAsync(Scope, key, members.ToAsyncEnumerable(), new ReconcileOptions(dryRun, removeAbsent), cancellationToken: Ct));

    /// <summary>The client's rows as text, after checking the counters (so every comparison also checks them).</summary>
    protected async Task<string> DumpAsync()
    {
        await AssertCountersMatchMembersAsync();
        await using var scope = _services!.CreateAsyncScope();
        return await DumpClientAsync(scope.ServiceProvider, Scope.ClientId);
    }

    protected async Task<T> Contacts<T>(Func<IContactService, Task<T>> action)
    {
        await using var scope = _services!.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<IContactService>());
    }

    protected async Task Contacts(Func<IContactService, Task> action)
    {
        await using var scope = _services!.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<IContactService>());
    }

    protected async Task<long> Count(AudienceSelection selection)
    {
        await using var scope = _services!.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IAudienceService>().CountAsync(Scope, selection, Ct);
    }

    protected async Task<AudienceCheckpoint> Start(AudienceSelection selection)
    {
        await using var scope = _services!.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IAudiencePager>().StartAsync(Scope, selection, Ct);
    }

    protected async Task<List<AudiencePage>> Pages(AudienceSelection selection, AudienceCheckpoint checkpoint, int pageSize)
    {
        await using var scope = _services!.CreateAsyncScope();
        var pager = scope.ServiceProvider.GetRequiredService<IAudiencePager>();
        var pages = new List<AudiencePage>();
        await foreach (var page in pager.ReadPagesAsync(Scope, selection, checkpoint, pageSize, Ct))
        {
            pages.Add(page);
        }

        return pages;
    }

    protected async Task<List<AudienceRecipient>> Drain(AudienceSelection selection) =>
        [.. (await Pages(selection, await Start(selection), pageSize: 2)).SelectMany(p => p.Recipients)];

    protected static RecipientListDefinition Definition(string type, string? name = null, string? metadata = null) =>
        new(type, name, metadata is null ? null : Json(metadata));

    protected static MemberInput Member(string? key, string email, string? metadata = null) =>
        new(key, email, null, metadata is null ? null : Json(metadata));

    protected static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;
}
