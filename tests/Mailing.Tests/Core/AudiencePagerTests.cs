using System.Text.Json;
using Mailing.Audiences;
using Mailing.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mailing.Tests.Core;

/// <summary>The pager's own rules, over a fake store that records what it is asked.</summary>
public sealed class AudiencePagerTests
{
    private static readonly AudienceSelection Selection = new() { Tags = ["t"] };

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
        var pager = services.GetRequiredService<IAudiencePager>();

        await foreach (var _ in pager.ReadPagesAsync("acme", Selection, await pager.StartAsync("acme", Selection, TestContext.Current.CancellationToken), cancellationToken: TestContext.Current.CancellationToken))
        {
        }

        // One row more than a page is asked for, to know whether the page is the last.
        Assert.Equal(expected + 1, Assert.Single(store.Limits));
    }

    [Fact]
    public async Task An_empty_audience_starts_completed_and_yields_no_page_without_reading()
    {
        var store = new FakeStore(recipients: 0);
        using var services = Build(store, 1000);
        var pager = services.GetRequiredService<IAudiencePager>();

        var checkpoint = await pager.StartAsync("acme", Selection, TestContext.Current.CancellationToken);
        var pages = 0;
        await foreach (var _ in pager.ReadPagesAsync("acme", Selection, checkpoint, cancellationToken: TestContext.Current.CancellationToken))
        {
            pages++;
        }

        Assert.True(checkpoint.Completed);
        Assert.Equal(0, pages);
        Assert.Empty(store.Limits);
    }

    [Fact]
    public async Task An_empty_selection_is_rejected_before_the_store_is_asked()
    {
        var store = new FakeStore(recipients: 5);
        using var services = Build(store, 1000);

        var error = await Assert.ThrowsAsync<MailingValidationException>(
            () => services.GetRequiredService<IAudiencePager>().StartAsync("acme", new AudienceSelection(), TestContext.Current.CancellationToken));

        Assert.Equal(["Lists"], error.Errors.Keys);
        Assert.Equal(0, store.Calls);
    }

    private static ServiceProvider Build(FakeStore store, int pageSize)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMailing(o => o.AudiencePageSize = pageSize);
        services.AddSingleton<IAudienceStore>(store);
        return services.BuildServiceProvider();
    }

    private sealed class FakeStore(int recipients) : IAudienceStore
    {
        public List<int> Limits { get; } = [];

        public int Calls { get; private set; }

        public Task<long> CountAsync(string clientId, AudienceSelection selection, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult((long)recipients);
        }

        public Task<AudienceCeiling?> CaptureCeilingAsync(string clientId, AudienceSelection selection, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult<AudienceCeiling?>(recipients == 0 ? null : new AudienceCeiling(Guid.AllBitsSet, Guid.AllBitsSet));
        }

        public Task<IReadOnlyList<AudienceRecipient>> ReadPageAsync(
            string clientId, AudienceSelection selection, AudienceCeiling ceiling, Guid? afterContactId, int limit, CancellationToken cancellationToken)
        {
            Calls++;
            Limits.Add(limit);
            IReadOnlyList<AudienceRecipient> page = afterContactId is null
                ? [.. Enumerable.Range(0, Math.Min(recipients, limit)).Select(_ => new AudienceRecipient(Guid.CreateVersion7(), "a@example.com", null, null, null, default(JsonElement)))]
                : [];
            return Task.FromResult(page);
        }
    }
}
