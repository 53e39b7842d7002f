using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Mailing.Events;
using Mailing.Store.EfCore.Campaigns;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mailing.Benchmarks;

/// <summary>
/// Delivery event ingestion against a real PostgreSQL, in one run so the ratio is fair: N provider events in batches
/// through <see cref="IDeliveryEventService.IngestAsync"/> (validation, deduplication, linking by provider message id,
/// storing, projecting onto the deliveries, suppressing bounced addresses) against a plain batched
/// <c>INSERT … VALUES</c> of the same rows into the same table.
/// </summary>
internal static class EventIngestionHarness
{
    public const string Name = "events";

    public static async Task<int> RunAsync(string[] args)
    {
        var connection = MembershipHarness.Argument(args, "--connection") ?? Environment.GetEnvironmentVariable("MAILING_BENCH_POSTGRES");
        if (connection is null)
        {
            Console.Error.WriteLine($"usage: {Name} --connection \"Host=...;Username=...;Database=...\" [--events 100000] [--batch 1000]");
            return 2;
        }

        var count = Int(args, "--events", 100_000);
        var batch = Int(args, "--batch", 1_000);
        var services = new ServiceCollection().AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        services.AddMailing().UseEntityFrameworkCore(db => db.UseNpgsql(connection));
        await using var provider = services.BuildServiceProvider();
        await using (var scope = provider.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IMailingStoreInitializer>().InitializeAsync(default);
        }

        Console.WriteLine($"Event ingestion harness: {count:N0} events in batches of {batch:N0}");

        // Warm-up of both paths.
        await IngestAsync(provider, connection, await SentCampaignAsync(connection, 2_000), batch);
        await PlainInsertAsync(connection, await SentCampaignAsync(connection, 2_000), batch);

        var pipeline = await IngestAsync(provider, connection, await SentCampaignAsync(connection, count), batch);
        var plain = await PlainInsertAsync(connection, await SentCampaignAsync(connection, count), batch);
        Console.WriteLine($"ingestion (validate, dedupe, link, store, project, suppress): {count / pipeline.TotalSeconds:N0} events/s ({pipeline.TotalSeconds:F2} s)");
        Console.WriteLine($"plain batched INSERT … VALUES of the same rows:            {count / plain.TotalSeconds:N0} events/s ({plain.TotalSeconds:F2} s)");
        Console.WriteLine($"  ingestion / plain = {plain / pipeline:P0}");
        return 0;
    }

    private static int Int(string[] args, string name, int fallback) =>
        MembershipHarness.Argument(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    /// <summary>A fresh client with one campaign and N sent email deliveries, each with its provider message id.</summary>
    private static async Task<Sent> SentCampaignAsync(string connection, int n)
    {
        var sent = new Sent($"ev-{Guid.NewGuid():N}"[..20], Guid.CreateVersion7(), n);
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO mailing_campaigns (client_id, id, name, channel, stream, body_template, audience, metadata, status, packed, created_at, updated_at)
            VALUES (@c, @id, 'events', 'email', 'bulk', 'Hello', '{}', '{}', 'completed', true, now(), now());
            INSERT INTO mailing_deliveries (client_id, id, campaign_id, contact_id, recipient, recipient_domain, stream, idempotency_key,
                                            status, attempts, next_attempt_at, terminal, lock_version, transport, provider_message_id,
                                            dispatched_at, last_event_type, last_event_at, created_at, updated_at)
            SELECT @c, gen_random_uuid(), @id, gen_random_uuid(), 'user' || i || '@example.com', 'example.com', 'bulk', @id::text || '-' || i,
                   'sent', 1, NULL, false, 2, 'smtp', 'msg-' || i || '@' || @c, now(), 'dispatched', now(), now(), now()
            FROM generate_series(1, @n) AS i;
            ANALYZE mailing_deliveries;
            """, db) { CommandTimeout = 0 };
        insert.Parameters.AddWithValue("c", sent.Client);
        insert.Parameters.AddWithValue("id", sent.Campaign);
        insert.Parameters.AddWithValue("n", n);
        await insert.ExecuteNonQueryAsync();
        return sent;
    }

    /// <summary>The provider's report for message i: mostly delivered, some opened, one in fifty bounced.</summary>
    private static DeliveryEventInput Event(Sent sent, int i, DateTimeOffset at) => new()
    {
        Provider = "bench",
        ProviderEventId = $"ev-{i}",
        Type = (i % 50) switch { 0 => DeliveryEventType.Bounced, < 5 => DeliveryEventType.Opened, _ => DeliveryEventType.Delivered },
        Timestamp = at,
        ProviderMessageId = $"msg-{i}@{sent.Client}",
        Recipient = $"user{i}@example.com",
        RejectReason = i % 50 == 0 ? RejectReason.Bounced : null,
        Description = i % 50 == 0 ? "550 5.1.1 mailbox unavailable" : null,
        Payload = Payload(i),
    };

    private static JsonElement Payload(int i) =>
        JsonDocument.Parse($$$"""{"event":"delivered","id":"ev-{{{i}}}","message":{"headers":{"message-id":"msg-{{{i}}}"}},"recipient":"user{{{i}}}@example.com"}""").RootElement;

    private static async Task<TimeSpan> IngestAsync(ServiceProvider services, string connection, Sent sent, int batch)
    {
        var at = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(1, sent.Count).Select(i => Event(sent, i, at)).ToArray();
        var clock = Stopwatch.StartNew();
        foreach (var chunk in events.Chunk(batch))
        {
            await using var scope = services.CreateAsyncScope();
            var results = await scope.ServiceProvider.GetRequiredService<IDeliveryEventService>().IngestAsync(sent.Client, chunk, default);
            if (results.Count(r => r.Outcome == DeliveryEventOutcome.Applied) != chunk.Length)
            {
                throw new InvalidOperationException($"Only {results.Count(r => r.Outcome == DeliveryEventOutcome.Applied)} of {chunk.Length} events were applied.");
            }
        }

        var elapsed = clock.Elapsed;
        await CheckAsync(connection, sent);
        return elapsed;
    }

    /// <summary>The floor: the same rows (ids, payload and links included) in one multi-row INSERT per batch.</summary>
    private static async Task<TimeSpan> PlainInsertAsync(string connection, Sent sent, int batch)
    {
        var at = DateTimeOffset.UtcNow;
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        var deliveries = new Dictionary<string, Guid>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand("SELECT provider_message_id, id FROM mailing_deliveries WHERE client_id = @c", db))
        {
            read.Parameters.AddWithValue("c", sent.Client);
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                deliveries[reader.GetString(0)] = reader.GetGuid(1);
            }
        }

        var clock = Stopwatch.StartNew();
        foreach (var chunk in Enumerable.Range(1, sent.Count).Chunk(batch))
        {
            var sql = new StringBuilder(
                "INSERT INTO mailing_delivery_events (client_id, id, provider, provider_event_id, event_type, occurred_at, received_at, " +
                "provider_message_id, delivery_id, campaign_id, recipient, reject_reason, description, payload) VALUES ");
            await using var insert = new NpgsqlCommand { Connection = db };
            insert.Parameters.AddWithValue("c", sent.Client);
            insert.Parameters.AddWithValue("campaign", sent.Campaign);
            insert.Parameters.AddWithValue("at", at);
            for (var j = 0; j < chunk.Length; j++)
            {
                var e = Event(sent, chunk[j], at);
                sql.Append(CultureInfo.InvariantCulture,
                    $"{(j == 0 ? "" : ",")}(@c, @i{j}, 'bench', @e{j}, @t{j}, @at, @at, @m{j}, @d{j}, @campaign, @r{j}, @x{j}, @s{j}, @p{j})");
                insert.Parameters.AddWithValue($"i{j}", Guid.CreateVersion7());
                insert.Parameters.AddWithValue($"e{j}", e.ProviderEventId!);
                insert.Parameters.AddWithValue($"t{j}", StoredEnum<DeliveryEventType>.Name(e.Type!.Value));
                insert.Parameters.AddWithValue($"m{j}", e.ProviderMessageId!);
                insert.Parameters.AddWithValue($"d{j}", deliveries[e.ProviderMessageId!]);
                insert.Parameters.AddWithValue($"r{j}", e.Recipient!);
                insert.Parameters.AddWithValue($"x{j}", e.RejectReason is { } reason ? StoredEnum<RejectReason>.Name(reason) : (object)DBNull.Value);
                insert.Parameters.AddWithValue($"s{j}", (object?)e.Description ?? DBNull.Value);
                insert.Parameters.AddWithValue($"p{j}", e.Payload!.Value.GetRawText());
            }

            insert.CommandText = sql.ToString();
            await insert.ExecuteNonQueryAsync();
        }

        return clock.Elapsed;
    }

    /// <summary>Every event stored once and every delivery projected (delivered, opened or bounced).</summary>
    private static async Task CheckAsync(string connection, Sent sent)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var check = new NpgsqlCommand(
            """
            SELECT (SELECT count(*) FROM mailing_delivery_events WHERE client_id = @c AND delivery_id IS NOT NULL),
                   (SELECT count(*) FROM mailing_deliveries WHERE client_id = @c AND last_event_type <> 'dispatched')
            """, db);
        check.Parameters.AddWithValue("c", sent.Client);
        await using var reader = await check.ExecuteReaderAsync();
        await reader.ReadAsync();
        if (reader.GetInt64(0) != sent.Count || reader.GetInt64(1) != sent.Count)
        {
            throw new InvalidOperationException($"{reader.GetInt64(0)} events linked and {reader.GetInt64(1)} deliveries projected for {sent.Count} events.");
        }
    }

    private sealed record Sent(string Client, Guid Campaign, int Count);
}
