using Mailing.Campaigns;
using Mailing.Contacts;
using Mailing.Dispatch;
using Mailing.Reports;
using Mailing.Stores;
using Mailing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mailing.Tests.Reports;

/// <summary>The daily report under a fake clock, on SQLite: its time, its day, its figures, one copy among replicas.</summary>
public sealed class DailyReportTests : IAsyncLifetime
{
    // 02:00 UTC on 1 December is 05:00 in Moscow: the campaign runs on 1 December, local time.
    private static readonly DateTimeOffset CampaignTime = new(2026, 12, 1, 2, 0, 0, TimeSpan.Zero);

    // 09:00 in Moscow.
    private static readonly DateTimeOffset FirstReport = new(2026, 12, 1, 6, 0, 0, TimeSpan.Zero);

    private readonly TempSqliteFile _file = new();
    private readonly FakeTimeProvider _time = new(CampaignTime);
    private readonly List<ServiceProvider> _providers = [];
    private readonly string _client = $"client-{Guid.NewGuid():N}";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            foreach (var service in provider.GetServices<IHostedService>())
            {
                await service.StopAsync(CancellationToken.None);
            }

            await provider.DisposeAsync();
        }

        _file.Dispose();
    }

    [Fact]
    public async Task The_report_goes_out_once_a_day_at_the_configured_local_time_with_each_campaigns_figures_of_the_previous_day()
    {
        var (services, transport) = await ReplicaAsync();
        var campaign = await SendCampaignAsync(services, transport, accepted: 2, refused: 1);
        var report = Report(services);
        await report.StartAsync(Ct);

        Assert.Equal(FirstReport, await report.WaitingAsync().WaitAsync(TimeSpan.FromSeconds(10), Ct));
        _time.SetUtcNow(FirstReport.AddSeconds(-1));
        Assert.Empty(Reports(transport));

        var next = report.WaitingAsync();
        _time.SetUtcNow(FirstReport);
        Assert.Equal(FirstReport.AddDays(1), await next.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        var first = Assert.Single(Reports(transport));
        Assert.Equal("Mailing daily report for 2026-11-30 (Europe/Moscow)", first.Subject);
        Assert.Contains("No campaign", first.Body, StringComparison.Ordinal);

        next = report.WaitingAsync();
        _time.SetUtcNow(FirstReport.AddDays(1));
        await next.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var reports = Reports(transport);
        Assert.Equal(2, reports.Count);
        var second = reports[1];
        Assert.Equal("ops@example.com", second.Address);
        Assert.Equal("Mailing daily report for 2026-12-01 (Europe/Moscow)", second.Subject);
        var line = Assert.Single(second.Body.Split('\n'), l => l.StartsWith(campaign.Name, StringComparison.Ordinal));
        Assert.Equal(["completed", "2", "1", "0", "0"], line[campaign.Name.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Two_replicas_send_each_days_report_once()
    {
        var (first, firstTransport) = await ReplicaAsync();
        var (second, secondTransport) = await ReplicaAsync();
        await SendCampaignAsync(first, firstTransport, accepted: 1, refused: 0);
        var reports = new[] { Report(first), Report(second) };
        var waiting = reports.Select(r => r.WaitingAsync()).ToArray();
        foreach (var report in reports)
        {
            await report.StartAsync(Ct);
        }

        await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        waiting = [.. reports.Select(r => r.WaitingAsync())];
        _time.SetUtcNow(FirstReport.AddDays(1).AddHours(1));

        // Each replica sends or finds the day claimed, then waits for the next day.
        await Task.WhenAll(waiting).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var sent = Reports(firstTransport).Concat(Reports(secondTransport)).ToList();
        Assert.Single(sent);
        Assert.Equal("Mailing daily report for 2026-11-30 (Europe/Moscow)", sent[0].Subject);
    }

    [Fact]
    public async Task A_report_without_recipients_or_with_an_unknown_time_zone_fails_at_start_naming_both()
    {
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(_time);
        services.AddMailing().UseEntityFrameworkCore(db => db.UseSqlite(_file.ConnectionString)).AddLogTransport()
            .AddDailyReport(o => o.TimeZone = "Mars/Olympus");
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<DailyReportOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("Recipients", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Mars/Olympus", StringComparison.Ordinal));
    }

    private static DailyReportHostedService Report(ServiceProvider services) =>
        services.GetServices<IHostedService>().OfType<DailyReportHostedService>().Single();

    private static List<OutboundMessage> Reports(RecordingTransport transport) =>
        [.. transport.Handed.Select(h => h.Message).Where(m => m.Channel == MessageChannel.Email && m.CampaignId == Guid.Empty)];

    /// <summary>One replica: the pipeline (driven by hand) and the daily report, on the shared database and clock.</summary>
    private async Task<(ServiceProvider Services, RecordingTransport Transport)> ReplicaAsync()
    {
        var transport = new RecordingTransport(_time);
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(_time).AddSingleton<IMessageTransport>(transport);
        services.AddMailing().UseEntityFrameworkCore(db => db.UseSqlite(_file.ConnectionString)).AddDispatch()
            .AddDailyReport(o =>
            {
                o.TimeZone = "Europe/Moscow";
                o.TimeOfDay = new TimeOnly(9, 0);
                o.Recipients.Add("ops@example.com");
            });
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        _providers.Add(provider);
        await using var scope = provider.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IMailingStoreInitializer>().InitializeAsync(Ct);
        return (provider, transport);
    }

    /// <summary>A campaign by SMS to <paramref name="accepted"/> + <paramref name="refused"/> contacts, sent to completion now.</summary>
    private async Task<Campaign> SendCampaignAsync(ServiceProvider services, RecordingTransport transport, int accepted, int refused)
    {
        await using var scope = services.CreateAsyncScope();
        var contacts = scope.ServiceProvider.GetRequiredService<IContactService>();
        for (var i = 0; i < accepted + refused; i++)
        {
            await contacts.CreateAsync(MailingScope.ForClient(_client), new ContactInput(Phone: $"+7916{i:D7}", Tags: [i < accepted ? "ok" : "refused"], Name: $"C{i}"), Ct);
        }

        transport.Answer = m => m.Channel == MessageChannel.Sms && IsRefused(m, accepted)
            ? new TransportResult.Permanent("refused by the provider")
            : new TransportResult.Accepted(null);
        var campaigns = scope.ServiceProvider.GetRequiredService<ICampaignService>();
        var campaign = await campaigns.CreateAsync(_client, new CampaignInput
        {
            Name = "Winter course",
            Channel = MessageChannel.Sms,
            BodyTemplate = "Hello {{ contact.name }}",
            Audience = new AudienceSelection { Tags = ["ok", "refused"] },
        }, Ct);
        await campaigns.SendNowAsync(_client, campaign.Id, Ct);
        await services.GetRequiredService<CampaignDispatcher>().DrainAsync(Ct);
        return (await campaigns.FindAsync(_client, campaign.Id, Ct))!;
    }

    private static bool IsRefused(OutboundMessage message, int accepted) =>
        int.Parse(message.Address[5..], System.Globalization.CultureInfo.InvariantCulture) >= accepted;
}
