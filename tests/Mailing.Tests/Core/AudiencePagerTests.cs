using System.Text.Json;
using Mailing.Audiences;
using Mailing.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mailing.Tests.Core;

/// <summary>The pager's own rules, over a fake store that records what it is asked.</summary>
public sealed class AudiencePagerTests
{
    private static readonly MailingScope Acme = MailingScope.ForClient("acme");
    private static readonly AudienceSelection Selection = new() { Tags = ["t"] };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(0, 1000)]
    [InlineData(-3, 1000)]
    [InlineData(250, 250)]
    [InlineData(1_000_000, 10_000)]
    public async Task The_configured_page_size_is_clamped_not_rejected(int configured, int expected)
    {
        var store = new FakeStore(recipients: 1);
        using var services = Build(store, configured);
        Assert.Equal(configured, services.GetRequiredService<IOptions<MailingOptions>>().Value.AudiencePageSize);

        await ReadAllAsync(services);

        // One row more than a page is asked for, to know whether the page is the last.
        Assert.Equal(expected + 1, Assert.Single(store.Limits));
    }

    [Theory]
    [InlineData(2500, 1000, new[] { 1000, 1000, 500 })]
    [InlineData(2000, 1000, new[] { 1000, 1000 })]
    [InlineData(1500, 1000, new[] { 1000, 500 })]
    [InlineData(1, 1000, new[] { 1 })]
    [InlineData(7, 3, new[] { 3, 3, 1 })]
    public async Task Pages_are_consecutive_numbered_from_one_with_the_rest_on_the_last_and_no_empty_page(int recipients, int size, int[] expected)
    {
        var store = new FakeStore(recipients);
        using var services = Build(store, size);

        var pages = await ReadAllAsync(services);

        Assert.Equal(expected, pages.Select(p => p.Recipients.Count));
        Assert.Equal(Enumerable.Range(1, expected.Length), pages.Select(p => p.Number));
        Assert.Equal([.. Enumerable.Repeat(false, expected.Length - 1), true], pages.Select(p => p.IsLast));
        Assert.Equal(store.Ids, pages.SelectMany(p => p.Recipients).Select(r => r.ContactId));
    }

    [Fact]
    public async Task An_empty_audience_starts_completed_and_yields_no_page_without_reading()
    {
        var store = new FakeStore(recipients: 0);
        using var services = Build(store, 1000);
        var pager = services.GetRequiredService<IAudiencePager>();

        var checkpoint = await pager.StartAsync(Acme, Selection, Ct);
        var pages = await ReadAllAsync(services, checkpoint);

        Assert.True(checkpoint.Completed);
        Assert.Empty(pages);
        Assert.Empty(store.Limits);
    }

    [Theory]
    [InlineData(null, "Lists")]
    [InlineData("students", "Audience")]
    public async Task An_empty_selection_or_one_naming_another_audience_than_the_scope_is_rejected_before_the_store_is_asked(
        string? selectionAudience, string field)
    {
        var store = new FakeStore(recipients: 5);
        using var services = Build(store, 1000);
        var selection = selectionAudience is null ? new AudienceSelection() : Selection with { Audience = selectionAudience };

        var error = await Assert.ThrowsAsync<MailingValidationException>(
            () => services.GetRequiredService<IAudiencePager>().StartAsync(Acme, selection, Ct));

        Assert.Equal([field], error.Errors.Keys);
        Assert.Equal(0, store.Calls);
    }

    [Fact]
    public async Task The_store_gets_the_selection_normalized_with_every_default_applied()
    {
        var store = new FakeStore(recipients: 1);
        using var services = Build(store, 1000);
        var students = Acme with { Audience = "students" };

        await services.GetRequiredService<IAudienceService>().CountAsync(
            students, new AudienceSelection { Lists = ["a", "b", "a"], PhonePrefixes = ["7916", "+7916"] }, Ct);

        var query = Assert.Single(store.Queries);
        Assert.Equal(students, query.Scope);
        Assert.Equal(["a", "b"], query.Lists);
        Assert.Equal(["+7916"], query.PhonePrefixes);
        Assert.Empty(query.Tags);
        Assert.Empty(query.Attributes);
    }

    private static async Task<List<AudiencePage>> ReadAllAsync(ServiceProvider services, AudienceCheckpoint? checkpoint = null)
    {
        var pager = services.GetRequiredService<IAudiencePager>();
        var pages = new List<AudiencePage>();
        await foreach (var page in pager.ReadPagesAsync(Acme, Selection, checkpoint ?? await pager.StartAsync(Acme, Selection, Ct), cancellationToken: Ct))
        {
            pages.Add(page);
        }

        return pages;
    }

    private static ServiceProvider Build(FakeStore store, int pageSize)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMailing(o => o.AudiencePageSize = pageSize);
        services.AddSingleton<IAudienceStore>(store);
        return services.BuildServiceProvider();
    }

    /// <summary>An audience of <c>recipients</c> contacts with ascending ids, read by seek like a real store.</summary>
    private sealed class FakeStore(int recipients) : IAudienceStore
    {
        public List<Guid> Ids { get; } = [.. Enumerable.Range(1, recipients).Select(i => new Guid(i, 0, 0, new byte[8]))];

        public List<int> Limits { get; } = [];

        public List<AudienceQuery> Queries { get; } = [];

        public int Calls { get; private set; }

        public Task<long> CountAsync(AudienceQuery query, CancellationToken cancellationToken)
        {
            Calls++;
            Queries.Add(query);
            return Task.FromResult((long)Ids.Count);
        }

        public Task<AudienceCeiling?> CaptureCeilingAsync(AudienceQuery query, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult<AudienceCeiling?>(Ids.Count == 0 ? null : new AudienceCeiling(Ids[^1], Guid.AllBitsSet));
        }

        public Task<IReadOnlyList<AudienceRecipient>> ReadPageAsync(
            AudienceQuery query, AudienceCeiling ceiling, Guid? afterContactId, int limit, CancellationToken cancellationToken)
        {
            Calls++;
            Limits.Add(limit);
            IReadOnlyList<AudienceRecipient> page = [.. Ids
                .Where(id => afterContactId is not { } after || id.CompareTo(after) > 0)
                .Take(limit)
                .Select(id => new AudienceRecipient(id, "a@example.com", null, null, null, default(JsonElement)))];
            return Task.FromResult(page);
        }
    }
}
