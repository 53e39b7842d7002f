using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Mailing.Dispatch;
using Mailing.Dispatch.Http;
using Mailing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mailing.Tests.Dispatch;

public sealed class HttpMessageTransportTests : IAsyncLifetime
{
    private const string Token = "s3cret-token";
    private FakeSendProvider _provider = null!;

    public async ValueTask InitializeAsync() => _provider = await FakeSendProvider.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task An_ok_answer_is_accepted_with_the_message_id_as_provider_id()
    {
        var message = Message();

        var result = await Send(message);

        var accepted = Assert.IsType<TransportResult.Accepted>(result);
        var expectedId = ExternalSendApiFormatter.MessageIdFor(message.DeliveryId);
        Assert.Equal(expectedId.ToString(CultureInfo.InvariantCulture), accepted.ProviderMessageId);
        Assert.Equal(expectedId, Assert.Single(_provider.Accepted).MessageId);
    }

    [Fact]
    public async Task The_request_body_speaks_the_external_send_api()
    {
        var message = Message(body: "Привет, Alice");

        await Send(message);

        using var body = JsonDocument.Parse(Assert.Single(_provider.Received).Body);
        Assert.Equal(ExternalSendApiFormatter.MessageIdFor(message.DeliveryId), body.RootElement.GetProperty("id").GetInt64());
        Assert.Equal(79161234567, body.RootElement.GetProperty("phone").GetInt64());
        Assert.Equal("Привет, Alice", body.RootElement.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Every_attempt_carries_the_bearer_token_and_the_idempotency_key()
    {
        _provider.Script(FakeSendMode.ServerError, FakeSendMode.ServerError);
        var message = Message();

        var result = await Send(message);

        Assert.IsType<TransportResult.Accepted>(result);
        Assert.Equal(3, _provider.Received.Count);
        Assert.All(_provider.Received, r =>
        {
            Assert.Equal("Bearer " + Token, r.Authorization);
            Assert.Equal(message.IdempotencyKey, r.IdempotencyKey);
        });
    }

    [Fact]
    public async Task Retries_resend_the_same_message_id_and_body()
    {
        _provider.Script(FakeSendMode.ServerError);

        await Send(Message());

        var (first, second) = (_provider.Received[0], _provider.Received[1]);
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal(first.Body, second.Body);
    }

    [Fact]
    public async Task Without_a_token_no_authorization_header_is_sent()
    {
        await Send(Message(), o => o.Token = null);

        Assert.Null(Assert.Single(_provider.Received).Authorization);
    }

    [Fact]
    public async Task The_same_delivery_always_gets_the_same_positive_message_id()
    {
        var deliveryId = Guid.CreateVersion7();

        var ids = Enumerable.Range(0, 3).Select(_ => ExternalSendApiFormatter.MessageIdFor(deliveryId)).Distinct().ToArray();

        Assert.True(Assert.Single(ids) > 0);
        Assert.NotEqual(ids[0], ExternalSendApiFormatter.MessageIdFor(Guid.CreateVersion7()));
    }

    [Fact]
    public void Message_ids_of_many_deliveries_do_not_collide()
    {
        var ids = Enumerable.Range(0, 100_000).Select(_ => ExternalSendApiFormatter.MessageIdFor(Guid.CreateVersion7())).ToHashSet();

        Assert.Equal(100_000, ids.Count);
        Assert.All(ids, id => Assert.True(id > 0));
    }

    [Fact]
    public async Task A_server_error_is_retried_and_then_transient()
    {
        _provider.Mode = FakeSendMode.ServerError;

        var result = await Send(Message(), o => o.MaxRetryAttempts = 2);

        Assert.Contains("500", Assert.IsType<TransportResult.Transient>(result).Error, StringComparison.Ordinal);
        Assert.Equal(3, _provider.Received.Count);
    }

    [Fact]
    public async Task A_garbage_success_body_is_transient()
    {
        _provider.Mode = FakeSendMode.GarbageBody;

        var result = await Send(Message());

        Assert.Contains("unreadable", Assert.IsType<TransportResult.Transient>(result).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_request_is_permanent_with_status_and_body_and_is_not_retried()
    {
        _provider.Mode = FakeSendMode.BadRequest;

        var result = await Send(Message());

        var error = Assert.IsType<TransportResult.Permanent>(result).Error;
        Assert.Contains("400", error, StringComparison.Ordinal);
        Assert.Contains("Invalid phone number", error, StringComparison.Ordinal);
        Assert.Single(_provider.Received);
    }

    [Fact]
    public async Task A_wrong_token_is_permanent()
    {
        _provider.RequiredToken = "another-token";

        var result = await Send(Message());

        Assert.Contains("401", Assert.IsType<TransportResult.Permanent>(result).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_long_retry_after_is_handed_back_without_waiting()
    {
        _provider.Mode = FakeSendMode.TooManyRequests;
        _provider.RetryAfter = "120";

        var result = await Send(Message());

        Assert.Equal(TimeSpan.FromSeconds(120), Assert.IsType<TransportResult.Transient>(result).RetryAfter);
        Assert.Single(_provider.Received);
    }

    [Fact]
    public async Task A_retry_after_given_as_a_date_becomes_a_delay()
    {
        _provider.Mode = FakeSendMode.TooManyRequests;
        _provider.RetryAfter = DateTimeOffset.UtcNow.AddMinutes(10).ToString("R", CultureInfo.InvariantCulture);

        var result = await Send(Message());

        Assert.InRange(Assert.IsType<TransportResult.Transient>(result).RetryAfter!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task A_short_retry_after_is_waited_out_within_the_send()
    {
        _provider.Script(FakeSendMode.TooManyRequests);
        _provider.RetryAfter = "1";

        var result = await Send(Message(), o => o.AttemptTimeout = TimeSpan.FromSeconds(2));

        Assert.IsType<TransportResult.Accepted>(result);
        var (first, second) = (_provider.Received[0], _provider.Received[1]);
        Assert.True(second.ReceivedAt - first.ReceivedAt >= TimeSpan.FromMilliseconds(900), $"retried after {second.ReceivedAt - first.ReceivedAt}");
    }

    [Fact]
    public async Task A_slow_provider_times_out_as_transient_within_the_total_timeout()
    {
        _provider.Mode = FakeSendMode.Slow;
        _provider.SlowDelay = TimeSpan.FromSeconds(30);
        var watch = Stopwatch.StartNew();

        var result = await Send(Message(), o =>
        {
            o.AttemptTimeout = TimeSpan.FromMilliseconds(300);
            o.TotalTimeout = TimeSpan.FromMilliseconds(800);
            o.MaxRetryAttempts = 10;
        });

        Assert.Contains("did not answer", Assert.IsType<TransportResult.Transient>(result).Error, StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(700), TimeSpan.FromSeconds(10)); // far below the provider's 30 s, with room for a loaded machine
        Assert.Empty(_provider.Accepted);
    }

    [Fact]
    public async Task A_slow_attempt_is_cut_off_and_retried()
    {
        _provider.Script(FakeSendMode.Slow);
        _provider.SlowDelay = TimeSpan.FromSeconds(30);

        // Long enough that the second (quick) attempt is never cut off on a loaded machine; far below the 30 s stall.
        var result = await Send(Message(), o => o.AttemptTimeout = TimeSpan.FromSeconds(1));

        Assert.IsType<TransportResult.Accepted>(result);
        Assert.Equal(2, _provider.Received.Count);
    }

    [Fact]
    public async Task A_refused_connection_is_transient()
    {
        var result = await Send(Message(), o => o.BaseUrl = FakeSendProvider.UnusedBaseUrl());

        Assert.Contains("could not be reached", Assert.IsType<TransportResult.Transient>(result).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_provider_that_stopped_listening_is_transient()
    {
        await _provider.StopAsync();

        var result = await Send(Message());

        Assert.IsType<TransportResult.Transient>(result);
    }

    [Fact]
    public async Task A_dropped_connection_is_transient()
    {
        _provider.Mode = FakeSendMode.Absent;

        var result = await Send(Message());

        Assert.IsType<TransportResult.Transient>(result);
        Assert.Equal(3, _provider.Received.Count);
    }

    [Fact]
    public async Task Intermittent_failures_are_absorbed_by_the_retries()
    {
        _provider.Mode = FakeSendMode.FailEveryNth;
        _provider.FailEvery = 2;
        using var services = Services();
        var transport = Transport(services);

        for (var i = 0; i < 4; i++)
        {
            Assert.IsType<TransportResult.Accepted>(await transport.SendAsync(Message(), TestContext.Current.CancellationToken));
        }

        Assert.Equal(4, _provider.Accepted.Count);
        Assert.True(_provider.Received.Count > 4);
    }

    [Fact]
    public async Task The_deadline_cancels_the_send_and_no_retry_starts_after_it()
    {
        _provider.Mode = FakeSendMode.ServerError;
        using var services = Services(o =>
        {
            o.MaxRetryAttempts = 10;
            o.RetryDelay = TimeSpan.FromMilliseconds(400);
        });
        using var deadline = new CancellationTokenSource();
        var send = Transport(services).SendAsync(Message(), deadline.Token);

        // The deadline falls once the first attempt has been answered, however slow the machine is to get there.
        while (_provider.Received.Count == 0 && !send.IsCompleted)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), TestContext.Current.CancellationToken);
        }
        var deadlineAt = DateTimeOffset.UtcNow;
        await deadline.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        await Task.Delay(TimeSpan.FromMilliseconds(1200), TestContext.Current.CancellationToken);

        // A retry may start before the deadline (the delays are jittered); none after it (slack for one in flight on a loaded machine).
        Assert.NotEmpty(_provider.Received);
        Assert.All(_provider.Received, r => Assert.True(r.ReceivedAt <= deadlineAt.AddMilliseconds(500), $"request {r.Number} at {r.ReceivedAt:O}, deadline {deadlineAt:O}"));
    }

    [Fact]
    public async Task The_deadline_cancels_a_slow_attempt()
    {
        _provider.Mode = FakeSendMode.Slow;
        _provider.SlowDelay = TimeSpan.FromSeconds(30);
        using var services = Services(o =>
        {
            o.AttemptTimeout = TimeSpan.FromSeconds(20);
            o.TotalTimeout = TimeSpan.FromSeconds(25);
            o.CircuitBreakerSamplingDuration = TimeSpan.FromSeconds(40);
        });
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var watch = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Transport(services).SendAsync(Message(), deadline.Token));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}"); // well before the 20 s attempt timeout
    }

    [Fact]
    public async Task A_cancelled_send_sends_nothing()
    {
        using var services = Services();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Transport(services).SendAsync(Message(), new CancellationToken(canceled: true)));

        Assert.Empty(_provider.Received);
    }

    [Fact]
    public async Task An_address_that_is_not_a_phone_number_is_permanent_and_nothing_is_sent()
    {
        var result = await Send(Message(address: "alice@example.com"));

        Assert.IsType<TransportResult.Permanent>(result);
        Assert.Empty(_provider.Received);
    }

    [Fact]
    public void By_default_the_transport_sends_sms_only()
    {
        using var services = Services();
        var transport = Transport(services);

        Assert.Equal("http", transport.Name);
        Assert.True(transport.CanSend(MessageChannel.Sms));
        Assert.False(transport.CanSend(MessageChannel.Email));
        Assert.False(transport.CanSend(MessageChannel.Webhook));
    }

    [Fact]
    public void The_channels_it_sends_can_be_configured()
    {
        using var services = Services(o => o.Channels.Add(MessageChannel.Webhook));
        var transport = Transport(services);

        Assert.True(transport.CanSend(MessageChannel.Webhook));
        Assert.False(transport.CanSend(MessageChannel.Sms));
    }

    [Fact]
    public async Task Registering_twice_adds_one_transport_and_one_pipeline()
    {
        _provider.Mode = FakeSendMode.ServerError;
        var services = new ServiceCollection().AddLogging();
        services.AddMailing().AddHttpTransport(o => Defaults(o)).AddHttpTransport(o => o.MaxRetryAttempts = 1);
        await using var provider = services.BuildServiceProvider();

        var transport = Assert.Single(provider.GetServices<IMessageTransport>());
        await transport.SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Equal(2, _provider.Received.Count); // one attempt and one retry: the second call's options, applied once
    }

    [Fact]
    public async Task A_hosts_formatter_replaces_the_default_request()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IHttpTransportRequestFormatter, PathOnlyFormatter>();
        services.AddMailing().AddHttpTransport(o => Defaults(o));
        await using var provider = services.BuildServiceProvider();

        var result = await provider.GetRequiredService<IMessageTransport>().SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Equal(new TransportResult.Accepted("custom"), result);
        var request = Assert.Single(_provider.Received);
        Assert.Equal(42, request.MessageId);
        Assert.Equal("Bearer " + Token, request.Authorization);
    }

    [Fact]
    public void Invalid_options_are_all_reported_at_start()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMailing().AddHttpTransport(o =>
        {
            o.BaseUrl = new Uri("ftp://example.com/");
            o.AttemptTimeout = TimeSpan.FromSeconds(20);
            o.TotalTimeout = TimeSpan.FromSeconds(10);
            o.MaxRetryAttempts = -1;
        });
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<HttpTransportOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains(nameof(HttpTransportOptions.BaseUrl), StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains(nameof(HttpTransportOptions.TotalTimeout), StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains(nameof(HttpTransportOptions.MaxRetryAttempts), StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains(nameof(HttpTransportOptions.CircuitBreakerSamplingDuration), StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_base_url_is_reported()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMailing().AddHttpTransport(o => o.Token = "x");
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<HttpTransportOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains(nameof(HttpTransportOptions.BaseUrl), StringComparison.Ordinal));
    }

    private async Task<TransportResult> Send(OutboundMessage message, Action<HttpTransportOptions>? configure = null)
    {
        using var services = Services(configure);
        return await Transport(services).SendAsync(message, TestContext.Current.CancellationToken);
    }

    private ServiceProvider Services(Action<HttpTransportOptions>? configure = null)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMailing().AddHttpTransport(o =>
        {
            Defaults(o);
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    private void Defaults(HttpTransportOptions options)
    {
        options.BaseUrl = _provider.BaseUrl;
        options.Token = Token;
        options.AttemptTimeout = TimeSpan.FromSeconds(1);
        options.TotalTimeout = TimeSpan.FromSeconds(4);
        options.RetryDelay = TimeSpan.FromMilliseconds(10);
        options.MaxRetryAttempts = 2;
    }

    private static IMessageTransport Transport(IServiceProvider services) => Assert.Single(services.GetServices<IMessageTransport>());

    private static OutboundMessage Message(string address = "+79161234567", string body = "Hello")
    {
        var deliveryId = Guid.CreateVersion7();
        return new OutboundMessage
        {
            DeliveryId = deliveryId,
            CampaignId = Guid.CreateVersion7(),
            ClientId = "acme",
            ContactId = Guid.CreateVersion7(),
            Channel = MessageChannel.Sms,
            Stream = MessageStream.Bulk,
            Address = address,
            Body = body,
            IdempotencyKey = "delivery-" + deliveryId.ToString("N"),
        };
    }

    private sealed class PathOnlyFormatter : IHttpTransportRequestFormatter
    {
        public HttpRequestMessage CreateRequest(OutboundMessage message, HttpTransportOptions options) =>
            new(HttpMethod.Post, new Uri(options.BaseUrl!, "v1/send/42")) { Content = new StringContent(message.Body) };

        public async Task<TransportResult> ReadResponseAsync(OutboundMessage message, HttpResponseMessage response, CancellationToken cancellationToken) =>
            await HttpTransportResponses.ClassifyStatusAsync(response, cancellationToken) ?? new TransportResult.Accepted("custom");
    }
}
