using System.Data.Common;
using System.Text.RegularExpressions;
using Mailing.Campaigns;
using Mailing.Contacts;
using Mailing.Dispatch;
using Mailing.RecipientLists;
using Mailing.Stores;
using Mailing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Mailing.Tests.Dispatch;

/// <summary>
/// The campaign lifecycle and the dispatch pipeline on a real store, under a fake clock: statuses, packing,
/// sending exactly once, windows, deadlines, retries, pause and resume. Every store runs it through a subclass.
/// </summary>
public abstract class DispatchPipelineTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    protected FakeTimeProvider Time { get; } = new(T0);

    protected string Client { get; } = $"client-{Guid.NewGuid():N}";

    protected MailingScope Scope => MailingScope.ForClient(Client);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected ServiceProvider Services { get; set; } = null!;

    internal RecordingTransport Transport { get; private set; } = null!;

    /// <summary>Registers the store under test on a fresh database.</summary>
    protected abstract Task UseStoreAsync(MailingBuilder builder);

    public async ValueTask InitializeAsync()
    {
        Transport = new RecordingTransport(Time, MessageChannel.Sms, MessageChannel.Webhook);
        Services = await BuildAsync(Transport);
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>A second, independent pipeline (own container, own connections) on the same database.</summary>
    internal async Task<ServiceProvider> BuildAsync(
        IMessageTransport transport, Action<DispatchOptions>? dispatch = null, Action<MailingOptions>? options = null)
    {
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(Time);
        services.AddSingleton(transport);
        var mailing = services.AddMailing();
        if (options is not null)
        {
            services.Configure(options);
        }

        await UseStoreAsync(mailing);
        mailing.AddDispatch(o =>
        {
            o.BatchSize = 25;
            o.RetryBaseDelay = TimeSpan.FromSeconds(10);
            o.RetryMaxDelay = TimeSpan.FromMinutes(1);
            o.LeaseDuration = TimeSpan.FromMinutes(2);
            dispatch?.Invoke(o);
        });
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        await using var scope = provider.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IMailingStoreInitializer>().InitializeAsync(Ct);
        return provider;
    }

    // ---- lifecycle ------------------------------------------------------------------------------------

    [Fact]
    public async Task A_campaign_without_a_start_is_a_draft_and_with_one_is_scheduled()
    {
        await ContactsAsync(1, "vip");

        var draft = await Campaigns(s => s.CreateAsync(Client, Input("vip"), Ct));
        var scheduled = await Campaigns(s => s.CreateAsync(Client, Input("vip") with { StartAt = T0.AddHours(1) }, Ct));

        Assert.Equal((CampaignStatus.Draft, CampaignStatus.Scheduled), (draft.Status, scheduled.Status));
    }

    [Fact]
    public async Task Creating_with_an_end_not_after_the_start_is_rejected_naming_the_field()
    {
        await ContactsAsync(1, "vip");

        var error = await Assert.ThrowsAsync<MailingValidationException>(() =>
            Campaigns(s => s.CreateAsync(Client, Input("vip") with { StartAt = T0.AddHours(2), EndAt = T0.AddHours(1) }, Ct)));

        Assert.Contains("EndAt", error.Errors.Keys);
    }

    [Fact]
    public async Task Creating_with_an_unknown_list_a_bad_zone_or_a_broken_template_names_each_field()
    {
        var input = Input("vip") with
        {
            Audience = new AudienceSelection { Lists = ["no-such-list"] },
            DefaultTimeZone = "Mars/Olympus",
            BodyTemplate = "Hello {{ contact.name ",
        };

        var error = await Assert.ThrowsAsync<MailingValidationException>(() => Campaigns(s => s.CreateAsync(Client, input, Ct)));

        Assert.Contains("DefaultTimeZone", error.Errors.Keys);
        Assert.Contains("BodyTemplate", error.Errors.Keys);
    }

    [Fact]
    public async Task A_scheduled_campaign_starts_by_itself_on_time_and_not_before()
    {
        await ContactsAsync(3, "vip");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip") with { StartAt = T0.AddMinutes(30) }, Ct));

        await DrainAsync();
        Assert.Equal(CampaignStatus.Scheduled, (await FindAsync(campaign.Id)).Status);
        Assert.Empty(Transport.Handed);

        Time.Advance(TimeSpan.FromMinutes(30));
        await DrainAsync();

        Assert.Equal(CampaignStatus.Completed, (await FindAsync(campaign.Id)).Status);
        Assert.Equal(3, Transport.Handed.Count);
        Assert.All(Transport.Handed, h => Assert.True(h.At >= T0.AddMinutes(30)));
    }

    [Fact]
    public async Task A_campaign_whose_start_has_passed_and_end_is_ahead_starts_at_once()
    {
        await ContactsAsync(2, "vip");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip") with { StartAt = T0.AddHours(-1), EndAt = T0.AddHours(1) }, Ct));

        await DrainAsync();

        Assert.Equal(CampaignStatus.Completed, (await FindAsync(campaign.Id)).Status);
        Assert.Equal(2, Transport.Handed.Count);
    }

    [Fact]
    public async Task Send_now_sends_each_recipient_exactly_once_and_completes_with_its_counts()
    {
        var contacts = await ContactsAsync(60, "vip");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip"), Ct));

        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));
        await DrainAsync();

        var stats = await Campaigns(s => s.GetStatsAsync(Client, campaign.Id, Ct));
        Assert.Equal(CampaignStatus.Completed, stats.Status);
        Assert.Equal((60L, 60L, 60L), (stats.Total, stats.Deliveries[DeliveryStatus.Sent], stats.Attempts));
        Assert.Equal((T0, T0), (stats.FirstSentAt, stats.LastSentAt));
        Assert.Equal(contacts.Select(c => c.Id).Order(), Transport.Handed.Select(h => h.Message.ContactId).Order());
    }

    [Fact]
    public async Task An_empty_audience_completes_the_campaign_at_once()
    {
        await ContactsAsync(1, "vip");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("nobody-has-this-tag"), Ct));

        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));
        await DrainAsync();

        var stats = await Campaigns(s => s.GetStatsAsync(Client, campaign.Id, Ct));
        Assert.Equal((CampaignStatus.Completed, 0L), (stats.Status, stats.Total));
    }

    [Fact]
    public async Task Messages_are_rendered_per_recipient_with_the_same_idempotency_key_as_the_delivery()
    {
        await ContactsAsync(1, "vip");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip") with { BodyTemplate = "Hi {{ contact.name }}, plan {{ contact.attributes.plan }}" }, Ct));

        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));
        await DrainAsync();

        var message = Assert.Single(Transport.Handed).Message;
        var delivery = Assert.Single((await Campaigns(s => s.ListDeliveriesAsync(Client, campaign.Id, cancellationToken: Ct))).Items);
        Assert.Equal("Hi Contact 0, plan pro", message.Body);
        Assert.Equal((delivery.IdempotencyKey, delivery.Id, DeliveryStatus.Sent), (message.IdempotencyKey, message.DeliveryId, delivery.Status));
    }

    [Fact]
    public async Task Contacts_that_join_the_audience_while_its_deliveries_are_being_made_are_not_swept_in()
    {
        await using var packer = await SendingInPagesOfTwoAsync(6);
        var dispatcher = packer.GetRequiredService<CampaignDispatcher>();
        Assert.True(await dispatcher.PackAsync(Ct)); // one page of two: the audience's ceiling is fixed, four contacts to go

        Time.Advance(TimeSpan.FromMinutes(1));
        await ContactsAsync(2, "vip", first: 100);
        await dispatcher.DrainAsync(Ct);

        Assert.Equal(6, Transport.Handed.Count);
        Assert.DoesNotContain(Transport.Handed, h => h.Message.Address.StartsWith("+79160000100", StringComparison.Ordinal));
    }

    // ---- statuses ----------------------------------------------------------------------------------------

    [Fact]
    public async Task Pausing_a_draft_is_a_conflict_naming_both_statuses()
    {
        await ContactsAsync(1, "vip");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip"), Ct));

        var error = await Assert.ThrowsAsync<MailingConflictException>(() => Campaigns(s => s.PauseAsync(Client, campaign.Id, Ct)));

        Assert.Contains("'draft'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'sending'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sending_campaign_can_be_neither_edited_nor_deleted()
    {
        await ContactsAsync(1, "vip");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip"), Ct));
        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));

        await Assert.ThrowsAsync<MailingConflictException>(() => Campaigns(s => s.UpdateAsync(Client, campaign.Id, Input("vip"), Ct)));
        await Assert.ThrowsAsync<MailingConflictException>(() => Campaigns(s => s.DeleteAsync(Client, campaign.Id, Ct)));
    }

    [Fact]
    public async Task Another_clients_campaign_is_not_found()
    {
        await ContactsAsync(1, "vip");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip"), Ct));

        Assert.Null(await Campaigns(s => s.FindAsync("someone-else", campaign.Id, Ct)));
        await Assert.ThrowsAsync<MailingNotFoundException>(() => Campaigns(s => s.SendNowAsync("someone-else", campaign.Id, Ct)));
    }

    [Fact]
    public async Task Pause_stops_claiming_and_resume_goes_on_without_a_second_copy_or_a_gap()
    {
        var contacts = await ContactsAsync(80, "vip");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip"), Ct));
        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));
        await Dispatcher.RunMaintenanceAsync(Ct);
        await Dispatcher.PackAsync(Ct);
        await Dispatcher.SendAsync(null, Ct); // one batch of 25

        await Campaigns(s => s.PauseAsync(Client, campaign.Id, Ct));
        await DrainAsync();
        Assert.Equal(25, Transport.Handed.Count);
        Assert.Equal(CampaignStatus.Paused, (await FindAsync(campaign.Id)).Status);

        await Campaigns(s => s.ResumeAsync(Client, campaign.Id, Ct));
        await DrainAsync();

        Assert.Equal(contacts.Select(c => c.Id).Order(), Transport.Handed.Select(h => h.Message.ContactId).Order());
        Assert.Equal(CampaignStatus.Completed, (await FindAsync(campaign.Id)).Status);
    }

    [Fact]
    public async Task Cancel_ends_the_unsent_deliveries_as_cancelled()
    {
        await ContactsAsync(60, "vip");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip"), Ct));
        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));
        await Dispatcher.RunMaintenanceAsync(Ct);
        await Dispatcher.PackAsync(Ct);
        await Dispatcher.SendAsync(null, Ct);

        await Campaigns(s => s.CancelAsync(Client, campaign.Id, Ct));
        await DrainAsync();

        var stats = await Campaigns(s => s.GetStatsAsync(Client, campaign.Id, Ct));
        Assert.Equal((CampaignStatus.Cancelled, 25L, 35L), (stats.Status, stats.Deliveries[DeliveryStatus.Sent], stats.Deliveries[DeliveryStatus.Cancelled]));
        Assert.Equal(25, Transport.Handed.Count);
    }

    [Fact]
    public async Task A_campaign_on_a_channel_without_a_transport_fails_once_and_for_good()
    {
        await ContactsAsync(3, "vip");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip") with { Channel = MessageChannel.Email, SubjectTemplate = "Hi" }, Ct));
        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));

        await DrainAsync();
        await DrainAsync();

        var failed = await FindAsync(campaign.Id);
        Assert.Equal(CampaignStatus.Failed, failed.Status);
        Assert.Contains("email", failed.StatusReason, StringComparison.Ordinal);
        Assert.Empty(Transport.Handed);
    }

    [Fact]
    public async Task A_template_that_does_not_render_fails_the_campaign_instead_of_retrying()
    {
        await ContactsAsync(3, "vip");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip") with { BodyTemplate = "{% for i in (1..100000) %}{{ i }}{% endfor %}" }, Ct));
        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));

        await DrainAsync();

        var stats = await Campaigns(s => s.GetStatsAsync(Client, campaign.Id, Ct));
        Assert.Equal((CampaignStatus.Failed, 3L), (stats.Status, stats.Deliveries[DeliveryStatus.Failed]));
        Assert.Empty(Transport.Handed);
    }

    // ---- windows, deadlines, retries ---------------------------------------------------------------------

    [Fact]
    public async Task Sends_happen_only_inside_each_recipients_window_and_deferred_ones_go_at_the_opening()
    {
        // 08:00 UTC: 11:00 in Moscow and 17:00 in Tokyo (open), 03:00 in New York (opens 14:00 UTC),
        // 22:00 in Honolulu (opens 19:00 UTC, after the end at 16:00 UTC: expires).
        var moscow = await ContactAsync("Europe/Moscow", "zones");
        var tokyo = await ContactAsync("Asia/Tokyo", "zones");
        var newYork = await ContactAsync("America/New_York", "zones");
        var honolulu = await ContactAsync("Pacific/Honolulu", "zones");
        var input = Input("zones") with { SendWindow = new SendWindow(new TimeOnly(9, 0), new TimeOnly(21, 0)), EndAt = T0.AddHours(8) };
        var campaign = await Campaigns(s => s.CreateAsync(Client, input, Ct));
        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));

        await DrainAsync();
        Assert.Equal(new[] { moscow.Id, tokyo.Id }.Order(), Transport.Handed.Select(h => h.Message.ContactId).Order());

        Time.Advance(TimeSpan.FromHours(6) - TimeSpan.FromMinutes(1)); // 13:59 UTC
        await DrainAsync();
        Assert.Equal(2, Transport.Handed.Count);

        Time.Advance(TimeSpan.FromMinutes(1)); // 14:00 UTC = 09:00 in New York
        await DrainAsync();

        var last = Transport.Handed[^1];
        Assert.Equal((newYork.Id, T0.AddHours(6)), (last.Message.ContactId, last.At));
        var stats = await Campaigns(s => s.GetStatsAsync(Client, campaign.Id, Ct));
        // Expired, not completed: one recipient could not be reached before the end.
        Assert.Equal((CampaignStatus.Expired, 3L, 1L), (stats.Status, stats.Deliveries[DeliveryStatus.Sent], stats.Deliveries[DeliveryStatus.Expired]));
        Assert.DoesNotContain(Transport.Handed, h => h.Message.ContactId == honolulu.Id);
    }

    [Fact]
    public async Task Nothing_is_handed_to_the_transport_after_the_end_and_the_rest_expires()
    {
        await Services.DisposeAsync();
        Services = await BuildAsync(Transport, o => o.MaxAttempts = 1_000); // never out of attempts before the end
        await ContactsAsync(5, "vip");
        Transport.Answer = _ => new TransportResult.Transient("provider down");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip") with { EndAt = T0.AddMinutes(5) }, Ct));
        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));

        for (var i = 0; i < 40; i++)
        {
            await DrainAsync();
            Time.Advance(TimeSpan.FromSeconds(15));
        }

        Assert.NotEmpty(Transport.Handed);
        Assert.All(Transport.Handed, h => Assert.True(h.At < T0.AddMinutes(5), $"handed over at {h.At:O}"));
        var stats = await Campaigns(s => s.GetStatsAsync(Client, campaign.Id, Ct));
        Assert.Equal(CampaignStatus.Expired, stats.Status);
        Assert.Equal((0L, 5L), (stats.Deliveries[DeliveryStatus.Sent], stats.Deliveries[DeliveryStatus.Expired]));
    }

    [Fact]
    public async Task Transient_failures_are_retried_with_backoff_until_they_succeed()
    {
        await ContactsAsync(10, "vip");
        var attempts = new System.Collections.Concurrent.ConcurrentDictionary<Guid, int>();
        Transport.Answer = m => attempts.AddOrUpdate(m.DeliveryId, 1, (_, n) => n + 1) < 3
            ? new TransportResult.Transient("503 from provider")
            : new TransportResult.Accepted("ok");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip"), Ct));
        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));

        await DrainAsync();
        Assert.Equal(10, Transport.Handed.Count); // first attempts only: the retries wait for their time
        for (var i = 0; i < 20; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(30));
            await DrainAsync();
        }

        var stats = await Campaigns(s => s.GetStatsAsync(Client, campaign.Id, Ct));
        Assert.Equal((CampaignStatus.Completed, 10L, 30L), (stats.Status, stats.Deliveries[DeliveryStatus.Sent], stats.Attempts));
        Assert.All(Transport.Handed.GroupBy(h => h.Message.DeliveryId), g => Assert.Single(g.Select(h => h.Message.IdempotencyKey).Distinct()));
    }

    [Fact]
    public async Task A_permanent_failure_is_recorded_with_its_error_and_retry_failed_queues_only_those()
    {
        await ContactsAsync(4, "vip");
        Transport.Answer = m => m.Address.EndsWith('0') ? new TransportResult.Permanent("400 invalid phone") : new TransportResult.Accepted("ok");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip"), Ct));
        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));
        await DrainAsync();

        var failed = Assert.Single((await Campaigns(s => s.ListDeliveriesAsync(Client, campaign.Id, DeliveryStatus.Failed, cancellationToken: Ct))).Items);
        Assert.Equal("400 invalid phone", failed.LastError);
        Assert.Equal(CampaignStatus.Completed, (await FindAsync(campaign.Id)).Status);

        Transport.Answer = _ => new TransportResult.Accepted("ok");
        var requeued = await Campaigns(s => s.RetryFailedAsync(Client, campaign.Id, Ct));
        await DrainAsync();

        Assert.Equal(1, requeued);
        Assert.Equal(5, Transport.Handed.Count);
        var stats = await Campaigns(s => s.GetStatsAsync(Client, campaign.Id, Ct));
        Assert.Equal((CampaignStatus.Completed, 4L), (stats.Status, stats.Deliveries[DeliveryStatus.Sent]));
    }

    [Fact]
    public async Task A_throttled_campaign_hands_the_transport_no_more_than_its_rate_per_second()
    {
        await ContactsAsync(10, "vip");
        var handed = new System.Collections.Concurrent.ConcurrentQueue<long>();
        Transport.Answer = _ =>
        {
            handed.Enqueue(System.Diagnostics.Stopwatch.GetTimestamp());
            return new TransportResult.Accepted("ok");
        };
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip") with { MessagesPerSecond = 4 }, Ct));
        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));
        await DrainAsync();

        // A bucket of 4 tokens refilled each second: the first four at once, the fifth a second later, the ninth two.
        var times = handed.Order().ToArray();
        Assert.Equal(10, times.Length);
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(times[0], times[4]) >= TimeSpan.FromMilliseconds(900));
        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(times[0], times[8]) >= TimeSpan.FromMilliseconds(1900));
    }

    [Fact]
    public async Task Retry_failed_sends_again_without_flipping_the_delivery_terminal_flag_back()
    {
        await ContactsAsync(1, "vip");
        Transport.Answer = _ => new TransportResult.Permanent("400 invalid phone");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip"), Ct));
        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));
        await DrainAsync();
        var failed = Assert.Single((await Campaigns(s => s.ListDeliveriesAsync(Client, campaign.Id, DeliveryStatus.Failed, cancellationToken: Ct))).Items);
        Assert.True((await ProjectionAsync(failed.Id)).Terminal);

        Transport.Answer = _ => new TransportResult.Accepted("ok");
        await Campaigns(s => s.RetryFailedAsync(Client, campaign.Id, Ct));
        Assert.True((await ProjectionAsync(failed.Id)).Terminal);
        await DrainAsync();

        Assert.Equal(2, Transport.Handed.Count);
        Assert.True((await ProjectionAsync(failed.Id)).Terminal);
    }

    private async Task<DeliveryProjection> ProjectionAsync(Guid deliveryId)
    {
        await using var scope = Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<IDeliveryEventStore>().FindProjectionAsync(Client, deliveryId, Ct))!;
    }

    [Fact]
    public async Task A_sender_that_dies_mid_batch_leaves_its_deliveries_to_another_after_the_lease_with_the_same_keys()
    {
        await ContactsAsync(30, "vip");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip"), Ct));
        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));
        await Dispatcher.RunMaintenanceAsync(Ct);
        await Dispatcher.PackAsync(Ct);

        // The "dead" sender claims a batch and never records anything.
        IReadOnlyList<ClaimedDelivery> orphaned;
        await using (var scope = Services.CreateAsyncScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<ICampaignStore>();
            orphaned = await store.ClaimDeliveriesAsync((await FindAsync(campaign.Id)), Time.GetUtcNow(), "dead", TimeSpan.FromMinutes(2), 10, Ct);
        }

        await DrainAsync();
        Assert.Equal(20, Transport.Handed.Count);
        Assert.Equal(CampaignStatus.Sending, (await FindAsync(campaign.Id)).Status);

        Time.Advance(TimeSpan.FromMinutes(2));
        await DrainAsync();

        Assert.Equal(30, Transport.Handed.Count);
        Assert.Equal(30, Transport.Handed.Select(h => h.Message.DeliveryId).Distinct().Count());
        Assert.Equal(orphaned.Select(o => o.Delivery.IdempotencyKey).Order(),
            Transport.Handed.Skip(20).Select(h => h.Message.IdempotencyKey).Order());
        Assert.Equal(CampaignStatus.Completed, (await FindAsync(campaign.Id)).Status);
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    internal CampaignDispatcher Dispatcher => Services.GetRequiredService<CampaignDispatcher>();

    [Fact]
    public async Task A_list_campaign_renders_each_contacts_metadata_from_the_first_of_its_lists_that_has_the_contact()
    {
        var campaign = await ListCampaignAsync();
        var email = new RecordingTransport(Time, MessageChannel.Email);
        await using var sender = await BuildAsync(email);
        await sender.GetRequiredService<CampaignDispatcher>().DrainAsync(Ct);

        // ann is in both lists: physics comes first in the campaign's audience.
        var bodies = email.Accepted(Client).ToDictionary(m => m.Address, m => m.Body);
        Assert.Equal(
            new Dictionary<string, string> { ["ann@example.com"] = "Homework 7", ["bob@example.com"] = "Homework 2", ["cid@example.com"] = "Homework 9" },
            bodies);
        Assert.Equal(CampaignStatus.Completed, (await FindAsync(campaign.Id)).Status);
    }

    /// <summary>
    /// An email campaign to the lists physics (ann 7, cid 9) and maths (ann 1, bob 2), whose body renders the member
    /// metadata's homework; started, its deliveries not yet made.
    /// </summary>
    protected async Task<Campaign> ListCampaignAsync()
    {
        await using (var scope = Services.CreateAsyncScope())
        {
            var lists = scope.ServiceProvider.GetRequiredService<IRecipientListService>();
            await lists.UpsertMembersAsync(Scope, "maths", Members(("ann", 1), ("bob", 2)), new RecipientListDefinition("Maths"), Ct);
            await lists.UpsertMembersAsync(Scope, "physics", Members(("ann", 7), ("cid", 9)), new RecipientListDefinition("Physics"), Ct);
        }

        var campaign = await Campaigns(s => s.CreateAsync(Client, new CampaignInput
        {
            Name = "Homework",
            Channel = MessageChannel.Email,
            SubjectTemplate = "Homework",
            BodyTemplate = "Homework {{ member.homework }}",
            Audience = new AudienceSelection { Lists = ["physics", "maths"] },
        }, Ct));
        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));
        return campaign;

        static IAsyncEnumerable<MemberInput> Members(params (string Name, int Homework)[] members) => members
            .Select(m => new MemberInput($"student:{m.Name}", $"{m.Name}@example.com", m.Name,
                System.Text.Json.JsonDocument.Parse($$"""{"homework":{{m.Homework}}}""").RootElement))
            .ToAsyncEnumerable();
    }

    protected Task DrainAsync() => Dispatcher.DrainAsync(Ct);

    /// <summary>
    /// <paramref name="contacts"/> contacts tagged vip and a campaign to them, started; returns a second pipeline that
    /// packs one audience page of two per turn (dispose it).
    /// </summary>
    protected async Task<ServiceProvider> SendingInPagesOfTwoAsync(int contacts)
    {
        await ContactsAsync(contacts, "vip");
        var packer = await BuildAsync(Transport, o => o.PackPagesPerTurn = 1, o => o.AudiencePageSize = 2);
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip"), Ct));
        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));
        await packer.GetRequiredService<CampaignDispatcher>().RunMaintenanceAsync(Ct);
        return packer;
    }

    protected static CampaignInput Input(string tag) => new()
    {
        Name = "Winter course",
        Channel = MessageChannel.Sms,
        BodyTemplate = "Hello {{ contact.name }}",
        Audience = new AudienceSelection { Tags = [tag] },
    };

    protected async Task<T> Campaigns<T>(Func<ICampaignService, Task<T>> call)
    {
        await using var scope = Services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<ICampaignService>());
    }

    protected async Task Campaigns(Func<ICampaignService, Task> call)
    {
        await using var scope = Services.CreateAsyncScope();
        await call(scope.ServiceProvider.GetRequiredService<ICampaignService>());
    }

    protected async Task<Campaign> FindAsync(Guid id) => (await Campaigns(s => s.FindAsync(Client, id, Ct)))!;

    protected async Task<List<Contact>> ContactsAsync(int count, string tag, int first = 0)
    {
        var created = new List<Contact>();
        await using var scope = Services.CreateAsyncScope();
        var contacts = scope.ServiceProvider.GetRequiredService<IContactService>();
        for (var i = first; i < first + count; i++)
        {
            created.Add(await contacts.CreateAsync(Scope, new ContactInput(
                Phone: $"+7916{i:D7}", Name: $"Contact {i}", Tags: [tag],
                Attributes: System.Text.Json.JsonDocument.Parse("""{"plan":"pro"}""").RootElement), Ct));
        }

        return created;
    }

    private int _zoned;

    protected async Task<Contact> ContactAsync(string timeZone, string tag)
    {
        await using var scope = Services.CreateAsyncScope();
        var contacts = scope.ServiceProvider.GetRequiredService<IContactService>();
        return await contacts.CreateAsync(Scope, new ContactInput(Phone: $"+7926{_zoned++:D7}", Name: timeZone, TimeZone: timeZone, Tags: [tag]), Ct);
    }
}

public sealed class SqliteDispatchPipelineTests : DispatchPipelineTests, IDisposable
{
    private readonly TempSqliteFile _file = new();

    protected override Task UseStoreAsync(MailingBuilder builder)
    {
        builder.UseEntityFrameworkCore(db => db.UseSqlite(_file.ConnectionString));
        return Task.CompletedTask;
    }

    public void Dispose() => _file.Dispose();
}

public sealed class PostgresDispatchPipelineTests(PostgresServer server) : DispatchPipelineTests
{
    private string? _database;

    /// <summary>Added to the stores of pipelines built from now on.</summary>
    private StatementPlans? _plans;

    protected override async Task UseStoreAsync(MailingBuilder builder)
    {
        _database ??= await server.GetDatabaseAsync($"pipeline{Guid.NewGuid():N}"[..20]);
        var database = _database;
        var plans = _plans;
        builder.UseEntityFrameworkCore(db =>
        {
            db.UseNpgsql(database);
            if (plans is not null)
            {
                db.AddInterceptors(plans);
            }
        });
    }

    [Fact]
    public async Task Outcomes_find_their_deliveries_by_primary_key_when_the_statistics_have_not_seen_the_client()
    {
        var campaign = await PackedCampaignOfThreeAsync();
        await HideClientFromStatisticsAsync(
            """
            INSERT INTO mailing_deliveries (client_id, id, campaign_id, contact_id, recipient, stream, idempotency_key, status,
                                            attempts, terminal, lock_version, created_at, updated_at)
            SELECT 'another-client', gen_random_uuid(), '00000000-0000-0000-0000-000000000001', gen_random_uuid(), '+1555' || n, 'bulk',
                   'key-' || n, 'sent', 1, true, 1, now(), now()
            FROM generate_series(1, 50000) AS n;
            """,
            "mailing_deliveries");
        _plans = new StatementPlans("AS locked", "INSERT INTO mailing_delivery_events"); // the outcomes' lock, then their record
        await using var sender = await BuildAsync(Transport);
        await sender.GetRequiredService<CampaignDispatcher>().SendAsync(null, Ct);

        // Planned by the client's value, the probe tied the primary key with every index leading with client_id,
        // and the join with the outcomes was a scan of every delivery in 'sending' per outcome.
        Assert.Equal(2, _plans.Plans.Count);
        Assert.All(_plans.Plans, plan => Assert.Equal(
            ["Index Scan using \"PK_mailing_deliveries\""],
            Regex.Matches(plan, @"(?:Seq Scan on|Index Scan using|Index Only Scan using|Bitmap Index Scan on) ""?\w+""?").Select(m => m.Value).Distinct()));
        Assert.Equal(3L, (await Campaigns(s => s.GetStatsAsync(Client, campaign.Id, Ct))).Deliveries[DeliveryStatus.Sent]);
    }

    [Fact]
    public async Task A_claimed_batch_reads_its_contacts_by_primary_key_when_the_statistics_have_not_seen_the_client()
    {
        var campaign = await PackedCampaignOfThreeAsync();
        await HideClientFromStatisticsAsync(
            """
            INSERT INTO mailing_contacts (client_id, id, audience, phone, name, tags, status, created_at, updated_at)
            SELECT 'another-client', gen_random_uuid(), 'default', '+1555' || n, 'Someone', '[]', 'active', now(), now()
            FROM generate_series(1, 50000) AS n;
            """,
            "mailing_contacts");
        _plans = new StatementPlans("FROM mailing_contacts");
        await using var sender = await BuildAsync(Transport);
        await sender.GetRequiredService<CampaignDispatcher>().SendAsync(null, Ct);

        // Planned by the client's value, the read was a scan of all the client's contacts, filtered by the ids.
        var plan = Assert.Single(_plans.Plans).Split('\n');
        Assert.Contains(plan, line => line.Contains("Index Cond", StringComparison.Ordinal) && line.Contains("id = ANY", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("Filter", StringComparison.Ordinal) && line.Contains("id = ANY", StringComparison.Ordinal));
        Assert.Equal(3L, (await Campaigns(s => s.GetStatsAsync(Client, campaign.Id, Ct))).Deliveries[DeliveryStatus.Sent]);
    }

    [Fact]
    public async Task A_claimed_batch_reads_its_list_memberships_by_contact_when_the_statistics_have_not_seen_the_client()
    {
        var campaign = await ListCampaignAsync();
        _plans = new StatementPlans("FROM mailing_recipient_list_members");
        var email = new RecordingTransport(Time, MessageChannel.Email);
        await using var sender = await BuildAsync(email);
        var dispatcher = sender.GetRequiredService<CampaignDispatcher>();
        await dispatcher.RunMaintenanceAsync(Ct);
        while (await dispatcher.PackAsync(Ct))
        {
        }

        await HideClientFromStatisticsAsync(
            """
            INSERT INTO mailing_recipient_list_members (client_id, id, list_id, contact_id, email_snapshot, source_object_key, metadata, active, created_at, updated_at)
            SELECT 'another-client', gen_random_uuid(), '00000000-0000-0000-0000-000000000001', gen_random_uuid(), 'someone@example.com', 'k' || n, '{}', true, now(), now()
            FROM generate_series(1, 50000) AS n;
            """,
            "mailing_recipient_list_members");
        _plans.Plans.Clear(); // the audience's reads while packing
        await dispatcher.SendAsync(null, Ct);

        // Planned by the client's value, the read was a scan of each whole list by its source-key index.
        var plan = Assert.Single(_plans.Plans).Split('\n');
        Assert.True(
            plan.Any(line => line.Contains("Index Cond", StringComparison.Ordinal) && line.Contains("contact_id = ANY", StringComparison.Ordinal)),
            string.Join('\n', plan));
        Assert.Equal(3, email.Accepted(Client).Count);
        Assert.Equal(CampaignStatus.Completed, (await FindAsync(campaign.Id)).Status);
    }

    /// <summary>A campaign to three contacts, started, with its three deliveries made.</summary>
    private async Task<Campaign> PackedCampaignOfThreeAsync()
    {
        await ContactsAsync(3, "vip");
        var campaign = await Campaigns(s => s.CreateAsync(Client, Input("vip"), Ct));
        await Campaigns(s => s.SendNowAsync(Client, campaign.Id, Ct));
        await Dispatcher.RunMaintenanceAsync(Ct);
        while (await Dispatcher.PackAsync(Ct))
        {
        }

        return campaign;
    }

    /// <summary>
    /// Runs <paramref name="fill"/> (another client's rows in <paramref name="table"/>) and refreshes the table's
    /// statistics from a sample of 300 rows, which (almost surely) holds none of this client's few: the planner then
    /// takes this client for a rare one.
    /// </summary>
    private async Task HideClientFromStatisticsAsync(string fill, string table)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_database);
        await connection.OpenAsync(Ct);
        await using (var command = new Npgsql.NpgsqlCommand($"ALTER TABLE {table} SET (autovacuum_enabled = off); {fill}", connection))
        {
            await command.ExecuteNonQueryAsync(Ct);
        }

        // Sampled again until the sample saw one client only (the other one), so this client is unknown to the planner.
        await using var analyze = new Npgsql.NpgsqlCommand(
            $"""
            SET default_statistics_target = 1; ANALYZE {table};
            SELECT n_distinct FROM pg_stats WHERE tablename = '{table}' AND attname = 'client_id';
            """,
            connection);
        for (var tries = 0; (float)(await analyze.ExecuteScalarAsync(Ct))! != 1; tries++)
        {
            Assert.True(tries < 20, $"The statistics of {table} kept seeing this client.");
        }
    }

    /// <summary>Records the plan of every query whose text contains one of the markers (EXPLAIN, on the same connection, before it runs).</summary>
    private sealed class StatementPlans(params string[] markers) : DbCommandInterceptor
    {
        public List<string> Plans { get; } = [];

        public override async ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command,
            CommandEventData eventData,
            InterceptionResult<DbDataReader> result,
            CancellationToken cancellationToken = default)
        {
            if (Array.Exists(markers, marker => command.CommandText.Contains(marker, StringComparison.Ordinal)))
            {
                await using var explain = ((Npgsql.NpgsqlCommand)command).Clone();
                explain.CommandText = "EXPLAIN " + command.CommandText;
                var lines = new List<string>();
                await using (var reader = await explain.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        lines.Add(reader.GetString(0));
                    }
                }

                Plans.Add(string.Join('\n', lines));
            }

            return result;
        }
    }

    [Fact]
    public async Task Packing_refreshes_the_planners_statistics_of_deliveries_after_the_first_page_and_when_it_completes()
    {
        await using var packer = await SendingInPagesOfTwoAsync(6);
        var dispatcher = packer.GetRequiredService<CampaignDispatcher>();

        await dispatcher.PackAsync(Ct);
        var afterFirstPage = await EstimatedDeliveriesAsync(); // the planner now knows the campaign's first rows
        await dispatcher.PackAsync(Ct);
        var afterSecondPage = await EstimatedDeliveriesAsync(); // not refreshed on every page
        while (await dispatcher.PackAsync(Ct))
        {
        }

        Assert.Equal((2, 2, 6), (afterFirstPage, afterSecondPage, await EstimatedDeliveriesAsync()));
    }

    /// <summary>The deliveries table's row count as the planner's statistics have it (-1: never analyzed).</summary>
    private async Task<int> EstimatedDeliveriesAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(_database);
        await connection.OpenAsync(Ct);
        await using var command = new Npgsql.NpgsqlCommand("SELECT reltuples::int FROM pg_class WHERE relname = 'mailing_deliveries'", connection);
        return (int)(await command.ExecuteScalarAsync(Ct))!;
    }
}
