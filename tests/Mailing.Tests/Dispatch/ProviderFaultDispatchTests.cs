using Mailing.Campaigns;
using Mailing.Contacts;
using Mailing.Dispatch;
using Mailing.Stores;
using Mailing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailing.Tests.Dispatch;

/// <summary>
/// The pipeline with the built-in HTTP transport against a real Kestrel provider on 127.0.0.1 that fails in the
/// ways real providers do: every delivery ends sent or failed with its error, none is lost or sent twice, and
/// the dispatcher keeps running. Real time here: the transport's resilience pipeline (timeouts, retry delays)
/// runs on the host's clock, so the dispatcher's retry delays are made short instead.
/// </summary>
public sealed class ProviderFaultDispatchTests : IAsyncLifetime
{
    private readonly TempSqliteFile _file = new();
    private readonly string _client = $"client-{Guid.NewGuid():N}";
    private FakeSendProvider _provider = null!;
    private ServiceProvider _services = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _provider = await FakeSendProvider.StartAsync(Ct);
        _services = await BuildAsync(_provider.BaseUrl);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _provider.DisposeAsync();
        _file.Dispose();
    }

    [Fact]
    public async Task A_provider_failing_every_other_request_still_gets_each_message_exactly_once()
    {
        _provider.Mode = FakeSendMode.FailEveryNth;
        _provider.FailEvery = 2;
        var campaign = await SendNowAsync(20);

        await RunAsync(rounds: 30);

        var stats = await StatsAsync(campaign);
        Assert.Equal((CampaignStatus.Completed, 20L), (stats.Status, stats.Deliveries[DeliveryStatus.Sent]));
        Assert.Equal(20, _provider.Accepted.Select(a => a.IdempotencyKey).Distinct().Count());
        Assert.Equal(20, _provider.Accepted.Count);
    }

    [Fact]
    public async Task Garbage_answers_and_dropped_connections_are_retried_until_the_provider_recovers()
    {
        _provider.Mode = FakeSendMode.GarbageBody;
        var campaign = await SendNowAsync(5);
        await RunAsync(rounds: 1);
        _provider.Mode = FakeSendMode.Absent;
        await RunAsync(rounds: 2);
        var deferred = await DeliveriesAsync(campaign, DeliveryStatus.Deferred);
        Assert.Equal(5, deferred.Count);
        Assert.All(deferred, d => Assert.False(string.IsNullOrEmpty(d.LastError)));

        _provider.Mode = FakeSendMode.Ok;
        await RunAsync(rounds: 10);

        var stats = await StatsAsync(campaign);
        Assert.Equal((CampaignStatus.Completed, 5L), (stats.Status, stats.Deliveries[DeliveryStatus.Sent]));
    }

    [Fact]
    public async Task A_provider_refusing_for_good_fails_each_delivery_with_its_answer_recorded()
    {
        _provider.Mode = FakeSendMode.BadRequest;
        var campaign = await SendNowAsync(3);

        await RunAsync(rounds: 2);

        var failed = await DeliveriesAsync(campaign, DeliveryStatus.Failed);
        Assert.Equal(3, failed.Count);
        Assert.All(failed, d => Assert.Contains("400", d.LastError, StringComparison.Ordinal));
        Assert.Equal(CampaignStatus.Completed, (await StatsAsync(campaign)).Status);
    }

    [Fact]
    public async Task A_provider_that_is_gone_leaves_every_delivery_waiting_and_nothing_lost()
    {
        await _provider.StopAsync();
        var campaign = await SendNowAsync(4);

        await RunAsync(rounds: 3);

        var stats = await StatsAsync(campaign);
        Assert.Equal((CampaignStatus.Sending, 4L, 4L), (stats.Status, stats.Total, stats.Deliveries[DeliveryStatus.Deferred]));
    }

    private async Task<ServiceProvider> BuildAsync(Uri baseUrl)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMailing()
            .UseEntityFrameworkCore(db => db.UseSqlite(_file.ConnectionString))
            .AddDispatch(o =>
            {
                o.RetryBaseDelay = TimeSpan.FromMilliseconds(20);
                o.RetryMaxDelay = TimeSpan.FromMilliseconds(50);
                o.MaxAttempts = 50;
            })
            .AddHttpTransport(o =>
            {
                o.BaseUrl = baseUrl;
                o.Token = "token";
                o.RetryDelay = TimeSpan.FromMilliseconds(5);
                o.AttemptTimeout = TimeSpan.FromSeconds(2);
                o.TotalTimeout = TimeSpan.FromSeconds(5);
                o.CircuitBreakerSamplingDuration = TimeSpan.FromSeconds(10);
            });
        var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IMailingStoreInitializer>().InitializeAsync(Ct);
        return provider;
    }

    private async Task<Guid> SendNowAsync(int recipients)
    {
        await using var scope = _services.CreateAsyncScope();
        var contacts = scope.ServiceProvider.GetRequiredService<IContactService>();
        for (var i = 0; i < recipients; i++)
        {
            await contacts.CreateAsync(MailingScope.ForClient(_client), new ContactInput(Phone: $"+7916{i:D7}", Name: $"C{i}", Tags: ["all"]), Ct);
        }

        var campaigns = scope.ServiceProvider.GetRequiredService<ICampaignService>();
        var campaign = await campaigns.CreateAsync(_client, new CampaignInput
        {
            Name = "Faults",
            Channel = MessageChannel.Sms,
            BodyTemplate = "Hello {{ contact.name }}",
            Audience = new AudienceSelection { Tags = ["all"] },
        }, Ct);
        await campaigns.SendNowAsync(_client, campaign.Id, Ct);
        return campaign.Id;
    }

    /// <summary>
    /// Runs one turn of each kind, then waits out the longest retry delay, <paramref name="rounds"/> times: at most one
    /// attempt per delivery and round (a drain would retry at once, the delays being this short).
    /// </summary>
    private async Task RunAsync(int rounds)
    {
        var dispatcher = _services.GetRequiredService<CampaignDispatcher>();
        for (var i = 0; i < rounds; i++)
        {
            await dispatcher.RunMaintenanceAsync(Ct);
            await dispatcher.PackAsync(Ct);
            await dispatcher.SendAsync(null, Ct);
            await Task.Delay(TimeSpan.FromMilliseconds(60), Ct);
        }
    }

    private async Task<CampaignStats> StatsAsync(Guid campaign)
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ICampaignService>().GetStatsAsync(_client, campaign, Ct);
    }

    private async Task<IReadOnlyList<Delivery>> DeliveriesAsync(Guid campaign, DeliveryStatus status)
    {
        await using var scope = _services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<ICampaignService>().ListDeliveriesAsync(_client, campaign, status, cancellationToken: Ct)).Items;
    }
}
