using System.Data.Common;
using Mailing.Campaigns;
using Mailing.Contacts;
using Mailing.Dispatch;
using Mailing.Events;
using Mailing.Stores;
using Mailing.Suppressions;
using Mailing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Mailing.Tests.Events;

/// <summary>Delivery events, their projection and suppressions, on a real store with the dispatch pipeline under a fake clock.</summary>
public abstract class DeliveryEventPipelineTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 12, 1, 8, 0, 0, TimeSpan.Zero);

    protected FakeTimeProvider Time { get; } = new(T0);

    protected string Client { get; } = $"client-{Guid.NewGuid():N}";

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected ServiceProvider Services { get; private set; } = null!;

    internal RecordingTransport Transport { get; private set; } = null!;

    protected abstract Task UseStoreAsync(MailingBuilder builder);

    /// <summary>Makes the database refuse every insert into the delivery events table from now on (a trigger).</summary>
    protected abstract Task RefuseEventInsertsAsync();

    public async ValueTask InitializeAsync()
    {
        Transport = new RecordingTransport(Time, MessageChannel.Email) { Answer = m => new TransportResult.Accepted($"msg-{m.Address}") };
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(Time).AddSingleton<IMessageTransport>(Transport);
        var mailing = services.AddMailing();
        await UseStoreAsync(mailing);
        mailing.AddDispatch(o => o.BatchSize = 25);
        Services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        await using var scope = Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IMailingStoreInitializer>().InitializeAsync(Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_sent_delivery_has_one_dispatched_event_named_for_it_and_stored_with_its_outcome()
    {
        var delivery = (await SendCampaignAsync(1)).Single();

        var dispatched = Assert.Single(await HistoryAsync(delivery));
        Assert.Equal((PipelineEvents.Provider, PipelineEvents.EventId(delivery.Id, DeliveryEventType.Dispatched)), (dispatched.Provider, dispatched.ProviderEventId));
        Assert.Equal((DeliveryEventType.Dispatched, T0, $"msg-{delivery.Recipient}"), (dispatched.Type, dispatched.Timestamp, dispatched.ProviderMessageId));
    }

    [Fact]
    public async Task An_outcome_whose_lease_was_lost_stores_no_event_and_the_new_holders_outcome_stores_one()
    {
        var campaign = await PackedCampaignAsync(contacts: 1);
        await using var scope = Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ICampaignStore>();
        var first = await ClaimOneAsync(store, campaign.Id);
        Time.Advance(TimeSpan.FromMinutes(2)); // the first sender's lease runs out; another claims the delivery
        var second = await ClaimOneAsync(store, campaign.Id);

        Assert.Equal(0, await store.RecordOutcomesAsync([Sent(first)], Time.GetUtcNow(), Ct));
        Assert.Empty(await HistoryAsync(first.Delivery));
        Assert.Equal(1, await store.RecordOutcomesAsync([Sent(second)], Time.GetUtcNow(), Ct));
        Assert.Equal(0, await store.RecordOutcomesAsync([Sent(second)], Time.GetUtcNow(), Ct)); // recorded once only
        Assert.Single(await HistoryAsync(first.Delivery), e => e.Type == DeliveryEventType.Dispatched);
    }

    [Fact]
    public async Task An_outcome_whose_event_cannot_be_stored_is_not_recorded_either()
    {
        var campaign = await PackedCampaignAsync(contacts: 1);
        await using var scope = Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ICampaignStore>();
        var claimed = await ClaimOneAsync(store, campaign.Id);
        await RefuseEventInsertsAsync();

        await Assert.ThrowsAnyAsync<DbException>(() => store.RecordOutcomesAsync([Sent(claimed)], Time.GetUtcNow(), Ct));

        var delivery = Assert.Single(await DeliveriesAsync(campaign.Id));
        Assert.Equal((DeliveryStatus.Sending, (DateTimeOffset?)null, (string?)null), (delivery.Status, delivery.SentAt, delivery.ProviderMessageId));
    }

    [Fact]
    public async Task An_event_for_a_cancelled_delivery_is_stored_and_the_delivery_lists_with_its_projection()
    {
        var campaign = await PackedCampaignAsync(contacts: 1);
        await using (var scope = Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ICampaignService>().CancelAsync(Client, campaign.Id, Ct);
        }

        var cancelled = Assert.Single(await DeliveriesAsync(campaign.Id));
        Assert.Equal((DeliveryStatus.Cancelled, true, (DeliveryEventType?)null, (DateTimeOffset?)null), (cancelled.Status, cancelled.Terminal, cancelled.LastEventType, cancelled.LastEventAt)); // not an event
        var results = await IngestAsync(Event("late-1", DeliveryEventType.Opened, T0.AddMinutes(1), cancelled));

        Assert.Equal(DeliveryEventOutcome.Applied, Assert.Single(results).Outcome);
        var listed = Assert.Single(await DeliveriesAsync(campaign.Id));
        Assert.Equal((DeliveryStatus.Cancelled, true, DeliveryEventType.Opened, T0.AddMinutes(1)), (listed.Status, listed.Terminal, listed.LastEventType, listed.LastEventAt));
    }

    [Fact]
    public async Task A_delivered_delivery_lists_with_its_projection()
    {
        var delivery = (await SendCampaignAsync(1)).Single();
        Assert.Equal((DeliveryEventType.Dispatched, false, (DateTimeOffset?)null), (delivery.LastEventType, delivery.Terminal, delivery.DeliveredAt));

        await IngestAsync(Event("d-1", DeliveryEventType.Delivered, T0.AddMinutes(2), delivery));

        var listed = Assert.Single(await DeliveriesAsync(delivery.CampaignId));
        Assert.Equal((DeliveryEventType.Delivered, true, T0.AddMinutes(2), T0.AddMinutes(2)), (listed.LastEventType, listed.Terminal, listed.DeliveredAt, listed.LastEventAt));
    }

    [Fact]
    public async Task A_webhook_retry_is_a_duplicate_and_changes_nothing()
    {
        var delivery = (await SendCampaignAsync(1)).Single();
        var delivered = Event("e1", DeliveryEventType.Delivered, T0.AddMinutes(1), delivery);
        await IngestAsync(delivered);
        var before = await ProjectionAsync(delivery.Id);

        var retry = await IngestAsync(delivered);

        Assert.Equal(DeliveryEventOutcome.Duplicate, Assert.Single(retry).Outcome);
        Assert.Equal(before, await ProjectionAsync(delivery.Id));
        Assert.Single(await HistoryAsync(delivery), e => e.ProviderEventId == "e1");
    }

    [Fact]
    public async Task Every_copy_of_a_retried_event_answers_duplicate_with_the_stored_events_id()
    {
        var delivery = (await SendCampaignAsync(1)).Single();
        var delivered = Event("e1", DeliveryEventType.Delivered, T0.AddMinutes(1), delivery);
        var stored = Assert.Single(await IngestAsync(delivered));

        var retry = await IngestAsync(delivered, delivered);

        Assert.All(retry, r => Assert.Equal((DeliveryEventOutcome.Duplicate, stored.EventId), (r.Outcome, r.EventId)));
    }

    [Fact]
    public async Task A_late_older_event_moves_neither_the_last_event_type_nor_its_time()
    {
        var delivery = (await SendCampaignAsync(1)).Single();

        await IngestAsync(Event("e2", DeliveryEventType.Delivered, T0.AddMinutes(10), delivery));
        await IngestAsync(Event("e1", DeliveryEventType.Sent, T0.AddMinutes(5), delivery));

        var projection = await ProjectionAsync(delivery.Id);
        Assert.Equal((DeliveryEventType.Delivered, T0.AddMinutes(10)), (projection.LastEventType, projection.LastEventAt));
        Assert.Equal(T0.AddMinutes(10), projection.DeliveredAt);
        Assert.True(projection.Terminal);
    }

    [Fact]
    public async Task Each_at_column_is_written_once()
    {
        var delivery = (await SendCampaignAsync(1)).Single();

        await IngestAsync(Event("d1", DeliveryEventType.Delivered, T0.AddMinutes(3), delivery));
        await IngestAsync(Event("d2", DeliveryEventType.Delivered, T0.AddMinutes(9), delivery));

        Assert.Equal(T0.AddMinutes(3), (await ProjectionAsync(delivery.Id)).DeliveredAt);
    }

    [Fact]
    public async Task An_event_for_an_unknown_message_is_kept_and_linked_when_the_delivery_appears()
    {
        await ContactsAsync(1);
        var early = await IngestAsync(new DeliveryEventInput
        {
            Provider = "mailgun", ProviderEventId = "early", Type = DeliveryEventType.Delivered, Timestamp = T0.AddMinutes(2), ProviderMessageId = "msg-c0@example.com",
        });
        Assert.Equal(DeliveryEventOutcome.Orphaned, Assert.Single(early).Outcome);

        var delivery = (await SendCampaignAsync(0)).Single();

        var history = await HistoryAsync(delivery);
        Assert.Contains(history, e => e.ProviderEventId == "early" && e.DeliveryId == delivery.Id);
        Assert.Equal(T0.AddMinutes(2), (await ProjectionAsync(delivery.Id)).DeliveredAt);
    }

    [Fact]
    public async Task A_bounce_suppresses_the_address_for_every_stream_and_marks_the_contact()
    {
        var delivery = (await SendCampaignAsync(1)).Single();

        await IngestAsync(Event("b1", DeliveryEventType.Bounced, T0.AddMinutes(1), delivery));

        var suppressed = await SuppressedAsync([delivery.Recipient], MessageStream.Transactional);
        Assert.Equal(SuppressionReason.HardBounce, suppressed[delivery.Recipient]);
        await using var scope = Services.CreateAsyncScope();
        var contact = await scope.ServiceProvider.GetRequiredService<IContactService>().FindAsync(MailingScope.ForClient(Client), delivery.ContactId, Ct);
        Assert.Equal(ContactStatus.Suppressed, contact!.Status);
    }

    [Fact]
    public async Task An_unsubscribe_suppresses_operational_and_bulk_mail_but_not_transactional()
    {
        var delivery = (await SendCampaignAsync(1)).Single();

        await IngestAsync(Event("u1", DeliveryEventType.Unsubscribed, T0.AddMinutes(1), delivery));

        Assert.Contains(delivery.Recipient, (await SuppressedAsync([delivery.Recipient], MessageStream.Bulk)).Keys);
        Assert.Contains(delivery.Recipient, (await SuppressedAsync([delivery.Recipient], MessageStream.Operational)).Keys);
        Assert.Empty(await SuppressedAsync([delivery.Recipient], MessageStream.Transactional));
    }

    [Fact]
    public async Task A_suppression_made_while_a_campaign_sends_stops_the_remaining_sends_to_that_address()
    {
        var contacts = await ContactsAsync(60);
        var campaign = await CreateCampaignAsync();
        await Dispatcher.RunMaintenanceAsync(Ct);
        await Dispatcher.PackAsync(Ct);
        await Dispatcher.SendAsync(null, Ct); // the first batch of 25 goes out
        Assert.Equal(25, Transport.Handed.Count);
        var later = contacts.First(c => Transport.Handed.All(h => h.Message.Address != c.Email));

        await using (var scope = Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<ISuppressionService>().PutAsync(Client, later.Email!, new SuppressionInput(), Ct);
        }

        await Dispatcher.DrainAsync(Ct);

        Assert.Equal(59, Transport.Handed.Count);
        Assert.DoesNotContain(Transport.Handed, h => h.Message.Address == later.Email);
        var deliveries = await DeliveriesAsync(campaign.Id);
        var blocked = Assert.Single(deliveries, d => d.ContactId == later.Id);
        Assert.Equal(DeliveryStatus.Suppressed, blocked.Status);
        Assert.Contains(await HistoryAsync(blocked), e => e.Type == DeliveryEventType.Suppressed);
        Assert.NotNull((await ProjectionAsync(blocked.Id)).SuppressedAt);
    }

    [Fact]
    public async Task Another_clients_events_cannot_touch_this_clients_deliveries()
    {
        var delivery = (await SendCampaignAsync(1)).Single();
        var before = await ProjectionAsync(delivery.Id);
        await using var scope = Services.CreateAsyncScope();
        var events = scope.ServiceProvider.GetRequiredService<IDeliveryEventService>();

        var byId = await events.IngestAsync("intruder", [Event("x1", DeliveryEventType.Complained, T0.AddMinutes(1), delivery)], Ct);
        var byMessage = await events.IngestAsync("intruder", [Event("x2", DeliveryEventType.Complained, T0.AddMinutes(1), delivery) with { DeliveryId = null }], Ct);

        Assert.Equal(DeliveryEventOutcome.Rejected, Assert.Single(byId).Outcome);
        Assert.Equal(DeliveryEventOutcome.Orphaned, Assert.Single(byMessage).Outcome);
        Assert.Equal(before, await ProjectionAsync(delivery.Id));
        Assert.Empty(await SuppressedAsync([delivery.Recipient], MessageStream.Bulk));
        await Assert.ThrowsAsync<MailingNotFoundException>(() => events.ListAsync("intruder", delivery.CampaignId, delivery.Id, Ct));
    }

    [Fact]
    public async Task Invalid_events_are_rejected_per_event_naming_the_field_and_the_rest_are_stored()
    {
        var delivery = (await SendCampaignAsync(1)).Single();

        var results = await IngestAsync(
            Event("ok", DeliveryEventType.Opened, T0.AddMinutes(1), delivery),
            Event("", DeliveryEventType.Opened, T0.AddMinutes(1), delivery) with { Timestamp = null });

        Assert.Equal(DeliveryEventOutcome.Applied, results[0].Outcome);
        Assert.Equal(DeliveryEventOutcome.Rejected, results[1].Outcome);
        Assert.Equal(["ProviderEventId", "Timestamp"], results[1].Errors!.Keys.Order());
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    internal CampaignDispatcher Dispatcher => Services.GetRequiredService<CampaignDispatcher>();

    protected static DeliveryEventInput Event(string id, DeliveryEventType type, DateTimeOffset at, Delivery delivery) => new()
    {
        Provider = "mailgun",
        ProviderEventId = id,
        Type = type,
        Timestamp = at,
        DeliveryId = delivery.Id,
        ProviderMessageId = delivery.ProviderMessageId,
        Recipient = delivery.Recipient,
    };

    protected async Task<IReadOnlyList<DeliveryEventResult>> IngestAsync(params DeliveryEventInput[] events)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IDeliveryEventService>().IngestAsync(Client, events, Ct);
    }

    protected async Task<IReadOnlyList<DeliveryEvent>> HistoryAsync(Delivery delivery)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IDeliveryEventService>().ListAsync(Client, delivery.CampaignId, delivery.Id, Ct);
    }

    protected async Task<DeliveryProjection> ProjectionAsync(Guid deliveryId)
    {
        await using var scope = Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<IDeliveryEventStore>().FindProjectionAsync(Client, deliveryId, Ct))!;
    }

    protected async Task<IReadOnlyDictionary<string, SuppressionReason>> SuppressedAsync(string[] addresses, MessageStream stream)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISuppressionStore>().FindSuppressedAsync(Client, addresses, stream, Time.GetUtcNow(), Ct);
    }

    protected async Task<List<Contact>> ContactsAsync(int count)
    {
        var created = new List<Contact>();
        await using var scope = Services.CreateAsyncScope();
        var contacts = scope.ServiceProvider.GetRequiredService<IContactService>();
        for (var i = 0; i < count; i++)
        {
            created.Add(await contacts.CreateAsync(MailingScope.ForClient(Client), new ContactInput(Email: $"c{i}@example.com", Name: $"C{i}", Tags: ["news"]), Ct));
        }

        return created;
    }

    protected async Task<Campaign> CreateCampaignAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        var campaigns = scope.ServiceProvider.GetRequiredService<ICampaignService>();
        var campaign = await campaigns.CreateAsync(Client, new CampaignInput
        {
            Name = "News", Channel = MessageChannel.Email, Stream = MessageStream.Bulk, SubjectTemplate = "News", BodyTemplate = "Hello {{ contact.name }}",
            Audience = new AudienceSelection { Tags = ["news"] },
        }, Ct);
        return await campaigns.SendNowAsync(Client, campaign.Id, Ct);
    }

    /// <summary>Claims the campaign's one due delivery for a minute, as a sender would.</summary>
    protected async Task<ClaimedDelivery> ClaimOneAsync(ICampaignStore store, Guid campaignId)
    {
        var sending = (await store.FindCampaignAsync(Client, campaignId, Ct))!;
        return Assert.Single(await store.ClaimDeliveriesAsync(sending, Time.GetUtcNow(), "test", TimeSpan.FromMinutes(1), 10, Ct));
    }

    /// <summary>The outcome of a claimed delivery that a transport accepted as m-1.</summary>
    protected DeliveryOutcome Sent(ClaimedDelivery claimed) =>
        new(Client, claimed.Delivery.Id, claimed.LeaseToken, DeliveryStatus.Sent, 1, Transport: "test", ProviderMessageId: "m-1");

    /// <summary>Makes <paramref name="contacts"/> more contacts and a campaign to everyone, started and packed, nothing sent.</summary>
    protected async Task<Campaign> PackedCampaignAsync(int contacts)
    {
        await ContactsAsync(contacts);
        var campaign = await CreateCampaignAsync();
        await Dispatcher.RunMaintenanceAsync(Ct);
        await Dispatcher.PackAsync(Ct);
        return campaign;
    }

    /// <summary>Makes <paramref name="contacts"/> more contacts, sends a campaign to everyone, and returns its deliveries.</summary>
    protected async Task<IReadOnlyList<Delivery>> SendCampaignAsync(int contacts)
    {
        if (contacts > 0)
        {
            await ContactsAsync(contacts);
        }

        var campaign = await CreateCampaignAsync();
        await Dispatcher.DrainAsync(Ct);
        return await DeliveriesAsync(campaign.Id);
    }

    protected async Task<IReadOnlyList<Delivery>> DeliveriesAsync(Guid campaignId)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ICampaignStore>().ListDeliveriesAsync(Client, campaignId, null, null, 1000, Ct);
    }
}

public sealed class SqliteDeliveryEventPipelineTests : DeliveryEventPipelineTests, IDisposable
{
    private readonly TempSqliteFile _file = new();

    protected override Task UseStoreAsync(MailingBuilder builder)
    {
        builder.UseEntityFrameworkCore(db => db.UseSqlite(_file.ConnectionString));
        return Task.CompletedTask;
    }

    protected override async Task RefuseEventInsertsAsync()
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(_file.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "CREATE TRIGGER refuse_events BEFORE INSERT ON mailing_delivery_events BEGIN SELECT RAISE(ABORT, 'events refused'); END;";
        await command.ExecuteNonQueryAsync(Ct);
    }

    public void Dispose() => _file.Dispose();
}

public sealed class PostgresDeliveryEventPipelineTests(PostgresServer server) : DeliveryEventPipelineTests
{
    private string _database = null!;

    protected override async Task UseStoreAsync(MailingBuilder builder)
    {
        _database = await server.GetDatabaseAsync($"events{Guid.NewGuid():N}"[..20]);
        var database = _database;
        builder.UseEntityFrameworkCore(db => db.UseNpgsql(database));
    }

    protected override async Task RefuseEventInsertsAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(_database);
        await connection.OpenAsync(Ct);
        await using var command = new Npgsql.NpgsqlCommand(
            """
            CREATE FUNCTION refuse_events() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'events refused'; END $$;
            CREATE TRIGGER refuse_events BEFORE INSERT ON mailing_delivery_events FOR EACH ROW EXECUTE FUNCTION refuse_events();
            """, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    [Fact]
    public async Task An_outcome_waiting_for_its_delivery_is_recorded_when_the_transaction_holding_the_delivery_commits_a_change()
    {
        // Another writer (an event's projection, say) holds the delivery, still sending and still leased to the sender.
        var (recorded, delivery) = await RecordWhileAChangeCommitsAsync("UPDATE mailing_deliveries SET updated_at = now() WHERE id = @id");

        // A statement that read the row's address before the change committed found no visible row there: lost.
        Assert.Equal(1, recorded);
        Assert.Equal((DeliveryStatus.Sent, "m-1"), (delivery.Status, delivery.ProviderMessageId));
    }

    [Fact]
    public async Task An_outcome_waiting_for_its_delivery_is_not_recorded_when_the_transaction_holding_it_takes_the_lease_away()
    {
        // Another sender re-claims the delivery (its lease ran out, say) while this sender's outcome waits for it.
        var (recorded, delivery) = await RecordWhileAChangeCommitsAsync("UPDATE mailing_deliveries SET lease_token = @lease WHERE id = @id");

        Assert.Equal(0, recorded);
        Assert.Equal((DeliveryStatus.Sending, (string?)null), (delivery.Status, delivery.ProviderMessageId));
        await using var connection = new Npgsql.NpgsqlConnection(_database);
        await connection.OpenAsync(Ct);
        await using var lease = new Npgsql.NpgsqlCommand("SELECT lease_token FROM mailing_deliveries WHERE id = @id", connection);
        lease.Parameters.AddWithValue("id", delivery.Id);
        Assert.Equal(OtherLease, await lease.ExecuteScalarAsync(Ct));
    }

    private static readonly Guid OtherLease = Guid.NewGuid();

    /// <summary>
    /// Claims a one-delivery campaign's delivery; another transaction runs <paramref name="change"/> on it (<c>@id</c>,
    /// <c>@lease</c> = <see cref="OtherLease"/>) and holds it while the sender records its sent outcome, then commits.
    /// Returns what the recording reported and the delivery as listed afterwards.
    /// </summary>
    private async Task<(int Recorded, Delivery Delivery)> RecordWhileAChangeCommitsAsync(string change)
    {
        var campaign = await PackedCampaignAsync(contacts: 1);
        await using var scope = Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ICampaignStore>();
        var claimed = await ClaimOneAsync(store, campaign.Id);

        await using var other = new Npgsql.NpgsqlConnection(_database);
        await other.OpenAsync(Ct);
        await using var holding = await other.BeginTransactionAsync(Ct);
        await using (var command = new Npgsql.NpgsqlCommand(change, other, holding))
        {
            command.Parameters.AddWithValue("id", claimed.Delivery.Id);
            command.Parameters.AddWithValue("lease", OtherLease);
            Assert.Equal(1, await command.ExecuteNonQueryAsync(Ct));
        }

        var recording = store.RecordOutcomesAsync([Sent(claimed)], Time.GetUtcNow(), Ct);
        await WaitForALockWaitAsync(recording);
        await holding.CommitAsync(Ct);
        var recorded = await recording;
        return (recorded, Assert.Single(await DeliveriesAsync(campaign.Id)));
    }

    /// <summary>Waits (up to 30 s) until a session of this database waits for a lock, or <paramref name="work"/> ends without waiting.</summary>
    private async Task WaitForALockWaitAsync(Task work)
    {
        await using var connection = new Npgsql.NpgsqlConnection(_database);
        await connection.OpenAsync(Ct);
        await using var waiting = new Npgsql.NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", connection);
        for (var tries = 0; !work.IsCompleted && (long)(await waiting.ExecuteScalarAsync(Ct))! == 0; tries++)
        {
            Assert.True(tries < 300, "No session waited for the delivery's lock.");
            await Task.Delay(100, Ct);
        }
    }

    [Fact]
    public async Task Fifty_concurrent_writers_of_shuffled_duplicated_events_leave_the_projection_of_the_sorted_events()
    {
        var deliveries = await SendCampaignAsync(5);
        var initial = new Dictionary<Guid, DeliveryProjection>();
        foreach (var d in deliveries)
        {
            initial[d.Id] = await ProjectionAsync(d.Id);
        }

        // Per delivery: at most one event of each *_at type (they are written once), several of the others, equal times included.
        DeliveryEventType[] kinds = [DeliveryEventType.Delivered, DeliveryEventType.Opened, DeliveryEventType.Clicked, DeliveryEventType.Opened,
            DeliveryEventType.Deferred, DeliveryEventType.Complained, DeliveryEventType.Clicked, DeliveryEventType.Unknown];
        var random = new Random(42);
        var events = deliveries.SelectMany(d => kinds.Select((k, i) =>
            Event($"{d.Id:N}-{i}", k, T0.AddMinutes(random.Next(0, 5)), d))).ToList();
        var copies = events.Concat(events).Concat(events.Take(events.Count / 2)).OrderBy(_ => random.Next()).ToList();
        var writers = Enumerable.Range(0, 50).Select(w => copies.Where((_, i) => i % 50 == w).ToArray()).ToList();

        await Parallel.ForEachAsync(writers, new ParallelOptions { MaxDegreeOfParallelism = 50, CancellationToken = Ct }, async (batch, ct) =>
        {
            foreach (var chunk in batch.Chunk(3))
            {
                await using var scope = Services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<IDeliveryEventService>().IngestAsync(Client, chunk, ct);
            }
        });

        foreach (var d in deliveries)
        {
            var expected = events.Where(e => e.DeliveryId == d.Id).OrderBy(e => e.Timestamp).ThenBy(e => e.ProviderEventId, StringComparer.Ordinal)
                .Aggregate(initial[d.Id], (p, e) => DeliveryProjectionRules.Apply(p, e.Type!.Value, e.Timestamp!.Value));
            var actual = await ProjectionAsync(d.Id);
            Assert.Equal(expected with { LockVersion = 0 }, actual with { LockVersion = 0 });
            Assert.Equal(kinds.Length + 1, (await HistoryAsync(d)).Count); // the dispatched event and each reported one, once
        }
    }
}
