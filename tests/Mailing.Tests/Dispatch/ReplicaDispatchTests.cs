using System.Diagnostics;
using Mailing.Campaigns;
using Mailing.Dispatch;
using Mailing.RecipientLists;
using Mailing.Stores;
using Mailing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailing.Tests.Dispatch;

/// <summary>
/// Two dispatchers (separate service providers, connections and transports) on one PostgreSQL database share
/// one 20k-recipient campaign: every recipient gets exactly one accepted send and none is missed.
/// </summary>
public sealed class ReplicaDispatchTests(PostgresServer server)
{
    private const int Recipients = 20_000;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_pipelines_on_one_database_send_each_of_20k_recipients_exactly_once()
    {
        var database = await server.GetDatabaseAsync($"replicas{Guid.NewGuid():N}"[..20]);
        var client = $"client-{Guid.NewGuid():N}";
        var first = new RecordingTransport(TimeProvider.System, MessageChannel.Email);
        var second = new RecordingTransport(TimeProvider.System, MessageChannel.Email);
        await using var one = await BuildAsync(database, first);
        await using var two = await BuildAsync(database, second);
        var campaign = await CreateCampaignAsync(one, client);

        await Task.WhenAll(RunUntilDoneAsync(one, client, campaign), RunUntilDoneAsync(two, client, campaign));

        var handed = first.Handed.Concat(second.Handed).Select(h => h.Message).ToList();
        Assert.Equal(Recipients, handed.Count);
        Assert.Equal(Recipients, handed.Select(m => m.ContactId).Distinct().Count());
        Assert.NotEmpty(first.Handed);
        Assert.NotEmpty(second.Handed);
        await using var scope = one.CreateAsyncScope();
        var stats = await scope.ServiceProvider.GetRequiredService<ICampaignService>().GetStatsAsync(client, campaign, Ct);
        Assert.Equal((CampaignStatus.Completed, (long)Recipients), (stats.Status, stats.Deliveries[DeliveryStatus.Sent]));
    }

    private static async Task<ServiceProvider> BuildAsync(string database, RecordingTransport transport)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IMessageTransport>(transport);
        services.AddMailing()
            .UseEntityFrameworkCore(db => db.UseNpgsql(database))
            .AddDispatch(o =>
            {
                o.BatchSize = 200;
                o.MaxConcurrency = 8;
                o.PackPagesPerTurn = 2;
            });
        var provider = services.BuildServiceProvider();
        await using var scope = provider.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IMailingStoreInitializer>().InitializeAsync(Ct);
        return provider;
    }

    private static async Task<Guid> CreateCampaignAsync(ServiceProvider services, string client)
    {
        await using var scope = services.CreateAsyncScope();
        var lists = scope.ServiceProvider.GetRequiredService<IRecipientListService>();
        await lists.UpsertMembersAsync(
            MailingScope.ForClient(client), "everyone", Members(), new RecipientListDefinition("all"), Ct);
        var campaigns = scope.ServiceProvider.GetRequiredService<ICampaignService>();
        var campaign = await campaigns.CreateAsync(client, new CampaignInput
        {
            Name = "Everyone",
            Channel = MessageChannel.Email,
            SubjectTemplate = "News",
            BodyTemplate = "Hello {{ contact.email }}",
            Audience = new AudienceSelection { Lists = ["everyone"] },
        }, Ct);
        await campaigns.SendNowAsync(client, campaign.Id, Ct);
        return campaign.Id;

        static async IAsyncEnumerable<MemberInput> Members()
        {
            for (var i = 0; i < Recipients; i++)
            {
                yield return new MemberInput($"person:{i:D6}", $"person{i:D6}@example.com");
            }

            await Task.CompletedTask;
        }
    }

    /// <summary>Runs turns until the campaign is final (bounded: fails after two minutes).</summary>
    private static async Task RunUntilDoneAsync(ServiceProvider services, string client, Guid campaign)
    {
        var dispatcher = services.GetRequiredService<CampaignDispatcher>();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            var busy = await dispatcher.RunMaintenanceAsync(Ct) | await dispatcher.PackAsync(Ct) | await dispatcher.SendAsync(null, Ct);
            await using var scope = services.CreateAsyncScope();
            var status = (await scope.ServiceProvider.GetRequiredService<ICampaignService>().FindAsync(client, campaign, Ct))!.Status;
            if (status == CampaignStatus.Completed)
            {
                return;
            }

            if (!busy)
            {
                await Task.Delay(20, Ct);
            }
        }

        Assert.Fail("The campaign did not complete within two minutes.");
    }
}
