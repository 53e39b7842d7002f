using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Mailing.Campaigns;
using Mailing.Dispatch;
using Mailing.Stores;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mailing.Benchmarks;

/// <summary>
/// The dispatch pipeline against a real PostgreSQL and a local provider, all in one run so the ratios are fair:
/// (1) N messages through the pipeline (send-now to completed: packing, claiming, rendering, the HTTP transport with
/// its resilience pipeline, recording) against a bare <see cref="HttpClient"/> loop posting the same requests to the
/// same provider at the same concurrency (the limit); (2) making the deliveries of an M-recipient campaign against
/// a plain <c>INSERT … SELECT</c> of the same rows into the same table.
/// </summary>
internal static class DispatchHarness
{
    public const string Name = "dispatch";

    public static async Task<int> RunAsync(string[] args)
    {
        var connection = MembershipHarness.Argument(args, "--connection") ?? Environment.GetEnvironmentVariable("MAILING_BENCH_POSTGRES");
        if (connection is null)
        {
            Console.Error.WriteLine($"usage: {Name} --connection \"Host=...;Username=...;Database=...\" [--messages 100000] [--concurrency 16] [--senders 2] [--pack 1000000]");
            return 2;
        }

        var messages = Int(args, "--messages", 100_000);
        var concurrency = Int(args, "--concurrency", 16);
        var pack = Int(args, "--pack", 1_000_000);
        Senders = Int(args, "--senders", Senders);
        await using var provider = await Provider.StartAsync();
        Console.WriteLine($"Dispatch harness: {messages:N0} messages at concurrency {concurrency}, {Senders} sender loops, packing {pack:N0}; provider {provider.BaseUrl}");

        await using var services = Services(connection, provider.BaseUrl, concurrency);
        await using (var scope = services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IMailingStoreInitializer>().InitializeAsync(default);
        }

        // Warm-up until the JIT's tiered compilation has settled: a cold bare loop runs at half its warm speed, so each
        // loop repeats until two runs in a row agree within 10%. Then a small campaign through the whole pipeline.
        await SettleAsync("bare loop", () => BareLoopAsync(provider.BaseUrl, 20_000, concurrency));
        await SettleAsync("bare loop (all senders)", () => BareLoopAsync(provider.BaseUrl, 20_000, concurrency * Senders));
        await SettleAsync("transport", () => TransportLoopAsync(services, 20_000, concurrency));
        await PipelineAsync(services, connection, $"warm-{Guid.NewGuid():N}"[..20], 5_000, provider);

        var bareAtBatch = await BareLoopAsync(provider.BaseUrl, messages, concurrency);
        Console.WriteLine($"bare HttpClient loop:  {messages:N0} requests in {bareAtBatch.TotalSeconds:F2} s = {messages / bareAtBatch.TotalSeconds:N0} msg/s (concurrency {concurrency})");

        // The sender loops each send a batch at the concurrency, so the pipeline may have senders × concurrency requests
        // in flight: the bare loop gets that too, and the faster of the two bare runs is the limit.
        var bareAtTotal = await BareLoopAsync(provider.BaseUrl, messages, concurrency * Senders);
        Console.WriteLine($"bare HttpClient loop:  {messages:N0} requests in {bareAtTotal.TotalSeconds:F2} s = {messages / bareAtTotal.TotalSeconds:N0} msg/s (concurrency {concurrency * Senders})");
        var bare = bareAtBatch < bareAtTotal ? bareAtBatch : bareAtTotal;
        var transportOnly = await TransportLoopAsync(services, messages, concurrency);
        Console.WriteLine($"HTTP transport alone:  {messages:N0} messages in {transportOnly.TotalSeconds:F2} s = {messages / transportOnly.TotalSeconds:N0} msg/s " +
                          $"({bare / transportOnly:P0} of the bare loop: the ceiling for the pipeline, which adds the database)");
        var (pipeline, packed) = await PipelineAsync(services, connection, $"bench-{Guid.NewGuid():N}"[..20], messages, provider);
        Console.WriteLine($"pipeline (send-now to completed): {messages:N0} messages in {pipeline.TotalSeconds:F2} s = {messages / pipeline.TotalSeconds:N0} msg/s " +
                          $"(deliveries all made after {packed.TotalSeconds:F2} s)");
        Console.WriteLine($"  pipeline / bare loop = {bare / pipeline:P0}");

        // The floor of the same layout: the bare loop plus the database writes the design asks of every delivery (made,
        // claimed, recorded, its dispatched event), written by hand into the same tables, as many loops as senders.
        var floor = await FloorAsync(connection, $"floor-{Guid.NewGuid():N}"[..20], messages, provider, concurrency);
        Console.WriteLine($"floor (bare loop + the same rows written by hand): {messages:N0} messages in {floor.TotalSeconds:F2} s = {messages / floor.TotalSeconds:N0} msg/s " +
                          $"({bare / floor:P0} of the bare loop)");
        Console.WriteLine($"  pipeline / floor = {floor / pipeline:P0}");

        // The same pipeline with a transport that accepts every message at once: what the database and the dispatcher
        // allow without any HTTP (warmed with a small campaign first).
        await using (var accepting = Services(connection, null, concurrency))
        {
            await PipelineAsync(accepting, connection, $"warm-{Guid.NewGuid():N}"[..20], 5_000, null);
            var (alone, made) = await PipelineAsync(accepting, connection, $"bench-{Guid.NewGuid():N}"[..20], messages, null);
            Console.WriteLine($"pipeline, accepting transport (no HTTP): {messages:N0} messages in {alone.TotalSeconds:F2} s = {messages / alone.TotalSeconds:N0} msg/s " +
                              $"(deliveries all made after {made.TotalSeconds:F2} s)");
        }

        if (pack > 0)
        {
            await PackingAsync(services, connection, pack);
        }

        Console.WriteLine($"peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024):N0} MB");
        return 0;
    }

    /// <summary>Runs <paramref name="loop"/> until two runs in a row take within 10% of each other (at most ten runs).</summary>
    private static async Task SettleAsync(string name, Func<Task<TimeSpan>> loop)
    {
        var last = await loop();
        for (var run = 2; run <= 10; run++)
        {
            var next = await loop();
            if (Math.Abs(next.TotalSeconds - last.TotalSeconds) <= 0.1 * last.TotalSeconds)
            {
                Console.WriteLine($"warm-up: {name} settled after {run} runs of 20,000");
                return;
            }

            last = next;
        }

        Console.WriteLine($"warm-up: {name} did not settle in ten runs (the machine is noisy)");
    }

    /// <summary>Sender loops for the one stream (the hosted service's <see cref="DispatchOptions.SendersPerStream"/> unless <c>--senders</c>).</summary>
    private static int Senders { get; set; } = new DispatchOptions().SendersPerStream;

    private static int Int(string[] args, string name, int fallback) =>
        MembershipHarness.Argument(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    /// <summary>The pipeline on PostgreSQL, sending through the HTTP transport to <paramref name="baseUrl"/>, or when null through a transport that accepts everything.</summary>
    private static ServiceProvider Services(string connection, Uri? baseUrl, int concurrency)
    {
        var services = new ServiceCollection().AddLogging(l => l.SetMinimumLevel(LogLevel.Warning));
        var mailing = services.AddMailing()
            .UseEntityFrameworkCore(db => db.UseNpgsql(connection))
            .AddDispatch(o =>
            {
                o.BatchSize = 1_000;
                o.MaxConcurrency = concurrency;
                o.PollInterval = TimeSpan.FromMilliseconds(50);
            });
        if (baseUrl is null)
        {
            services.AddSingleton<IMessageTransport, AcceptingTransport>();
        }
        else
        {
            mailing.AddHttpTransport(o => o.BaseUrl = baseUrl);
        }

        return services.BuildServiceProvider();
    }

    /// <summary>The limit: the same requests, posted by one client at the same concurrency.</summary>
    private static async Task<TimeSpan> BareLoopAsync(Uri baseUrl, int n, int concurrency)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency };
        using var client = new HttpClient(handler) { BaseAddress = baseUrl };
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(1, n), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"v1/send/{i}", UriKind.Relative))
            {
                Content = JsonContent.Create(new { id = i, phone = 79160000000L + i, text = $"Hello Contact {i}" }),
            };
            request.Headers.Add("Idempotency-Key", $"bare-{i}");
            using var response = await client.SendAsync(request, ct);
            response.EnsureSuccessStatusCode();
            _ = await response.Content.ReadFromJsonAsync<ProviderAnswer>(ct);
        });
        return clock.Elapsed;
    }

    private sealed record ProviderAnswer(int Code, string Message);

    /// <summary>Accepts every message at once, as a provider with no cost would: the pipeline's own ceiling.</summary>
    private sealed class AcceptingTransport : IMessageTransport
    {
        public string Name => "accepting";

        public bool CanSend(MessageChannel channel) => true;

        public Task<TransportResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken) =>
            Task.FromResult<TransportResult>(new TransportResult.Accepted(message.DeliveryId.ToString("N")));
    }

    /// <summary>The pipeline's HTTP transport (its resilience pipeline, headers, parsing) at the same concurrency, no database.</summary>
    private static async Task<TimeSpan> TransportLoopAsync(ServiceProvider services, int n, int concurrency)
    {
        var transport = services.GetServices<IMessageTransport>().First(t => t.CanSend(MessageChannel.Sms));
        var campaign = Guid.CreateVersion7();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(1, n), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            var result = await transport.SendAsync(new OutboundMessage
            {
                DeliveryId = Guid.CreateVersion7(),
                CampaignId = campaign,
                ClientId = "transport",
                ContactId = Guid.CreateVersion7(),
                Channel = MessageChannel.Sms,
                Stream = MessageStream.Bulk,
                Address = $"+7{9160000000L + i}",
                Body = $"Hello Contact {i}",
                IdempotencyKey = $"transport-{i}",
            }, ct);
            if (result is not TransportResult.Accepted)
            {
                throw new InvalidOperationException($"The transport answered {result}.");
            }
        });
        return clock.Elapsed;
    }

    /// <summary>N contacts with phones, inserted by one statement; then a campaign to them sent now, until completed.</summary>
    private static async Task<(TimeSpan Elapsed, TimeSpan Packed)> PipelineAsync(
        ServiceProvider services, string connection, string client, int n, Provider? provider)
    {
        await InsertContactsAsync(connection, client, "bench", n);
        var id = await CampaignsAsync(services, c => CreateAsync(c, client, "bench", "Hello {{ contact.name }}"));

        var before = provider?.Requests ?? 0;
        var dispatcher = services.GetRequiredService<CampaignDispatcher>();
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var packed = TimeSpan.Zero;
        await CampaignsAsync(services, c => c.SendNowAsync(client, id));

        // As the hosted service runs them: one loop starts and packs, another sends (one stream here).
        var packer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (!(await dispatcher.RunMaintenanceAsync(stop.Token) | await dispatcher.PackAsync(stop.Token)))
                {
                    packed = packed == TimeSpan.Zero ? clock.Elapsed : packed;
                    await Task.Delay(20, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
        });
        // As many sender loops as the hosted service runs for one stream.
        await Task.WhenAll(Enumerable.Range(0, Senders).Select(_ => Task.Run(async () =>
        {
            while (true)
            {
                var busy = await dispatcher.SendAsync(null, default);
                await using var scope = services.CreateAsyncScope();
                var status = (await scope.ServiceProvider.GetRequiredService<ICampaignService>().FindAsync(client, id))!.Status;
                if (status is not (CampaignStatus.Sending or CampaignStatus.Scheduled))
                {
                    return;
                }

                if (!busy)
                {
                    await Task.Delay(5);
                }
            }
        })));

        var elapsed = clock.Elapsed;
        await stop.CancelAsync();
        try
        {
            await packer;
        }
        catch (OperationCanceledException)
        {
            // stopped mid-turn, as a host stopping would
        }

        if (provider is not null && provider.Requests - before != n)
        {
            throw new InvalidOperationException($"The provider received {provider.Requests - before} requests for {n} messages.");
        }

        return (elapsed, packed);
    }

    /// <summary>
    /// The physical floor of the pipeline's layout: N deliveries made by one <c>INSERT … SELECT</c>, then
    /// <see cref="Senders"/> loops that each claim 1,000 (<c>FOR UPDATE SKIP LOCKED</c>), post them as the bare loop
    /// does, and record them with their dispatched events in two plain statements. No templates, no resilience
    /// pipeline, no EF Core, no checks: what the same rows in the same indexed tables cost by themselves.
    /// </summary>
    private static async Task<TimeSpan> FloorAsync(string connection, string client, int n, Provider provider, int concurrency)
    {
        await InsertContactsAsync(connection, client, "floor", n);
        var campaign = Guid.CreateVersion7();
        var before = provider.Requests;
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * Senders };
        using var http = new HttpClient(handler) { BaseAddress = provider.BaseUrl };
        var clock = Stopwatch.StartNew();
        await using (var db = new NpgsqlConnection(connection))
        {
            await db.OpenAsync();
            await InsertDeliveriesAsync(db, client, "floor", campaign);
            await using var analyze = new NpgsqlCommand("ANALYZE mailing_deliveries", db);
            await analyze.ExecuteNonQueryAsync();
        }

        long sent = 0;
        await Task.WhenAll(Enumerable.Range(0, Senders).Select(loop => Task.Run(async () =>
        {
            await using var db = new NpgsqlConnection(connection);
            await db.OpenAsync();
            while (true)
            {
                await using var claim = new NpgsqlCommand(
                    """
                    WITH picked AS MATERIALIZED (
                        SELECT ctid FROM mailing_deliveries
                        WHERE client_id = @c AND campaign_id = @campaign AND status = 'queued' AND next_attempt_at <= now()
                        ORDER BY next_attempt_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
                    UPDATE mailing_deliveries AS d SET status = 'sending', lease_token = @token, next_attempt_at = now() + interval '5 minutes', updated_at = now()
                    FROM picked WHERE d.ctid = picked.ctid
                    RETURNING d.id, d.recipient
                    """, db);
                claim.Parameters.AddWithValue("c", client);
                claim.Parameters.AddWithValue("campaign", campaign);
                claim.Parameters.AddWithValue("token", Guid.NewGuid());
                var batch = new List<(Guid Id, string Recipient)>(1000);
                await using (var reader = await claim.ExecuteReaderAsync())
                {
                    while (await reader.ReadAsync())
                    {
                        batch.Add((reader.GetGuid(0), reader.GetString(1)));
                    }
                }

                if (batch.Count == 0)
                {
                    return;
                }

                var first = Interlocked.Add(ref sent, batch.Count) - batch.Count;
                var providerIds = new string[batch.Count];
                await Parallel.ForEachAsync(Enumerable.Range(0, batch.Count), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
                {
                    var message = first + i + 1;
                    using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"v1/send/{message}", UriKind.Relative))
                    {
                        Content = JsonContent.Create(new { id = message, phone = batch[i].Recipient, text = $"Hello Contact {message}" }),
                    };
                    request.Headers.Add("Idempotency-Key", $"{campaign:N}-{batch[i].Id:N}");
                    using var response = await http.SendAsync(request, ct);
                    response.EnsureSuccessStatusCode();
                    _ = await response.Content.ReadFromJsonAsync<ProviderAnswer>(ct);
                    providerIds[i] = message.ToString(CultureInfo.InvariantCulture);
                });

                await using var record = new NpgsqlCommand(
                    """
                    UPDATE mailing_deliveries AS d
                    SET status = 'sent', attempts = 1, next_attempt_at = NULL, transport = 'http', provider_message_id = v.provider_id,
                        terminal = true, dispatched_at = now(), last_event_type = 'dispatched', last_event_at = now(),
                        lease_token = NULL, lock_version = d.lock_version + 1, updated_at = now()
                    FROM unnest(@ids, @providerIds) AS v (id, provider_id)
                    WHERE d.client_id = (SELECT @c) AND d.id = v.id;
                    INSERT INTO mailing_delivery_events (client_id, id, provider, provider_event_id, event_type, occurred_at, received_at,
                                                         provider_message_id, delivery_id, campaign_id)
                    SELECT @c, v.event_id, 'mailing', replace(v.id::text, '-', '') || ':dispatched', 'dispatched', now(), now(), v.provider_id, v.id, @campaign
                    FROM unnest(@ids, @providerIds, @eventIds) AS v (id, provider_id, event_id)
                    ON CONFLICT (client_id, provider, provider_event_id) DO NOTHING;
                    """, db);
                record.Parameters.AddWithValue("c", client);
                record.Parameters.AddWithValue("campaign", campaign);
                record.Parameters.AddWithValue("ids", batch.Select(b => b.Id).ToArray());
                record.Parameters.AddWithValue("providerIds", providerIds);
                record.Parameters.AddWithValue("eventIds", batch.Select(_ => Guid.CreateVersion7()).ToArray());
                await record.ExecuteNonQueryAsync();
            }
        })));

        var elapsed = clock.Elapsed;
        if (provider.Requests - before != n)
        {
            throw new InvalidOperationException($"The provider received {provider.Requests - before} requests for {n} messages in the floor loop.");
        }

        return elapsed;
    }

    /// <summary>Making an M-recipient campaign's deliveries, against INSERT … SELECT of the same rows in the same run.</summary>
    private static async Task PackingAsync(ServiceProvider services, string connection, int n)
    {
        var client = $"pack-{Guid.NewGuid():N}"[..20];
        await InsertContactsAsync(connection, client, "pack", n);

        // Sending, but only packing turns run: the deliveries are made, none is sent.
        var id = await CampaignsAsync(services, c => CreateAsync(c, client, "pack", "Hello"));
        await CampaignsAsync(services, c => c.SendNowAsync(client, id));

        var dispatcher = services.GetRequiredService<CampaignDispatcher>();
        GC.Collect();
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        long peakHeap = 0;
        var clock = Stopwatch.StartNew();
        while (await dispatcher.PackAsync(default))
        {
            peakHeap = Math.Max(peakHeap, GC.GetTotalMemory(false));
        }

        var pipeline = clock.Elapsed;
        await using (var db = new NpgsqlConnection(connection))
        {
            await db.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM mailing_deliveries WHERE client_id = @c AND campaign_id = @id", db);
            count.Parameters.AddWithValue("c", client);
            count.Parameters.AddWithValue("id", id);
            var made = (long)(await count.ExecuteScalarAsync())!;
            if (made != n)
            {
                throw new InvalidOperationException($"Packing made {made} deliveries for {n} recipients.");
            }

            // The floor: the same rows, made by the database from the same contacts in one statement.
            var floor = Stopwatch.StartNew();
            await InsertDeliveriesAsync(db, client, "pack", Guid.CreateVersion7());
            var plain = floor.Elapsed;
            // Made, never to be sent: a later run on this database must not find it sending.
            await CampaignsAsync(services, c => c.CancelAsync(client, id));

            Console.WriteLine($"packing {n:N0} recipients: pipeline {pipeline.TotalSeconds:F2} s, plain INSERT … SELECT {plain.TotalSeconds:F2} s, " +
                              $"ratio {pipeline / plain:F2}x; managed heap {heapBefore / (1024 * 1024):N0} MB before, peak {peakHeap / (1024 * 1024):N0} MB");
        }
    }

    /// <summary>
    /// The deliveries of <paramref name="campaign"/> to the client's live contacts with <paramref name="tag"/>, queued,
    /// made by the database in one <c>INSERT … SELECT</c> (no campaign row: the table has no foreign key to it).
    /// </summary>
    private static async Task InsertDeliveriesAsync(NpgsqlConnection db, string client, string tag, Guid campaign)
    {
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO mailing_deliveries (client_id, id, campaign_id, contact_id, recipient, recipient_domain, stream, idempotency_key,
                                            status, attempts, next_attempt_at, last_error, terminal, lock_version, created_at, updated_at)
            SELECT c.client_id, gen_random_uuid(), @campaign, c.id, c.phone, NULL, 'bulk', @campaign::text || '-' || c.id::text,
                   'queued', 0, now(), NULL, false, 1, now(), now()
            FROM mailing_contacts c
            JOIN mailing_contact_tags t ON t.client_id = c.client_id AND t.contact_id = c.id AND t.tag = @tag
            WHERE c.client_id = @c AND c.deleted_at IS NULL
            ORDER BY c.id
            """, db) { CommandTimeout = 0 };
        insert.Parameters.AddWithValue("c", client);
        insert.Parameters.AddWithValue("tag", tag);
        insert.Parameters.AddWithValue("campaign", campaign);
        await insert.ExecuteNonQueryAsync();
    }

    private static async Task<T> CampaignsAsync<T>(ServiceProvider services, Func<ICampaignService, Task<T>> call)
    {
        await using var scope = services.CreateAsyncScope();
        return await call(scope.ServiceProvider.GetRequiredService<ICampaignService>());
    }

    /// <summary>An sms campaign (a draft) to the contacts with <paramref name="tag"/>.</summary>
    private static async Task<Guid> CreateAsync(ICampaignService campaigns, string client, string tag, string body) =>
        (await campaigns.CreateAsync(client, new CampaignInput
        {
            Name = tag,
            Channel = MessageChannel.Sms,
            BodyTemplate = body,
            Audience = new AudienceSelection { Tags = [tag] },
        })).Id;

    /// <summary>N active contacts with phones and one tag, in two set-based statements, then fresh statistics.</summary>
    private static async Task InsertContactsAsync(string connection, string client, string tag, int n)
    {
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO mailing_contacts (client_id, id, audience, phone, name, tags, status, created_at, updated_at)
            SELECT @c, gen_random_uuid(), 'default', '+7' || (9160000000 + i)::text, 'Contact ' || i, @tags, 'active', now(), now()
            FROM generate_series(1, @n) AS i;
            INSERT INTO mailing_contact_tags (client_id, contact_id, tag) SELECT client_id, id, @tag FROM mailing_contacts WHERE client_id = @c;
            ANALYZE mailing_contacts; ANALYZE mailing_contact_tags;
            """, db) { CommandTimeout = 0 })
        {
            insert.Parameters.AddWithValue("c", client);
            insert.Parameters.AddWithValue("n", n);
            insert.Parameters.AddWithValue("tag", tag);
            insert.Parameters.AddWithValue("tags", $"[\"{tag}\"]");
            await insert.ExecuteNonQueryAsync();
        }
    }

    /// <summary>A local stand-in for the external send API: answers every send at once and counts them.</summary>
    private sealed class Provider(WebApplication app, Uri baseUrl, ConcurrentBag<long> counter) : IAsyncDisposable
    {
        public Uri BaseUrl { get; } = baseUrl;

        public int Requests => counter.Count;

        public static async Task<Provider> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var counter = new ConcurrentBag<long>();
            app.MapPost("/v1/send/{id:long}", (long id) =>
            {
                counter.Add(id);
                return Results.Text("""{"code":0,"message":"OK"}""", "application/json");
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Provider(app, new Uri(address.TrimEnd('/') + "/"), counter);
        }

        public async ValueTask DisposeAsync() => await app.DisposeAsync();
    }
}
