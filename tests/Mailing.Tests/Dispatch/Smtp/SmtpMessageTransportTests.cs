using Mailing.Dispatch;
using Mailing.Dispatch.Smtp;
using Mailing.Tests.Infrastructure;
using MimeKit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mailing.Tests.Dispatch.Smtp;

public sealed class SmtpMessageTransportTests : IAsyncLifetime
{
    private TestSmtpServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestSmtpServer.StartAsync();

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task An_html_body_arrives_as_text_and_html_alternatives()
    {
        await using var services = Services(_server.Port);
        var message = Message(body: "<p>Hello <b>Ann</b>,</p><p>see <a href=\"https://example.com/hw\">homework</a>.</p>");

        var result = await Transport(services).SendAsync(message, TestContext.Current.CancellationToken);

        Assert.IsType<TransportResult.Accepted>(result);
        var mime = Assert.Single(_server.Messages).Message();
        var alternative = Assert.IsType<MultipartAlternative>(mime.Body);
        Assert.Equal("Hello Ann,\n\nsee homework (https://example.com/hw).", mime.TextBody!.Trim().ReplaceLineEndings("\n"));
        Assert.Contains("<b>Ann</b>", mime.HtmlBody, StringComparison.Ordinal);
        Assert.Equal(2, alternative.Count);
    }

    [Fact]
    public async Task A_plain_body_arrives_as_one_text_part_with_merged_values_decoded()
    {
        await using var services = Services(_server.Port);

        await Transport(services).SendAsync(Message(body: "Hi O&#x27;Brien, 2 &lt; 3"), TestContext.Current.CancellationToken);

        var mime = Assert.Single(_server.Messages).Message();
        var text = Assert.IsType<TextPart>(mime.Body);
        Assert.True(text.IsPlain);
        Assert.Equal("Hi O'Brien, 2 < 3", text.Text.Trim());
    }

    [Fact]
    public async Task The_message_id_is_the_provider_message_id_and_stays_the_same_across_attempts()
    {
        await using var services = Services(_server.Port);
        var message = Message();

        var first = Assert.IsType<TransportResult.Accepted>(await Transport(services).SendAsync(message, TestContext.Current.CancellationToken));
        var second = Assert.IsType<TransportResult.Accepted>(await Transport(services).SendAsync(message with { Attempt = 2 }, TestContext.Current.CancellationToken));

        Assert.Equal($"{message.DeliveryId:N}@school.example", first.ProviderMessageId);
        Assert.Equal(first.ProviderMessageId, second.ProviderMessageId);
        Assert.All(_server.Messages, m => Assert.Equal(first.ProviderMessageId, m.Message().MessageId));
    }

    [Fact]
    public async Task Non_ascii_sender_names_and_subjects_are_encoded_and_read_back_intact()
    {
        await using var services = Services(_server.Port, o => o.FromName = "Школа Ёлки");

        await Transport(services).SendAsync(Message(subject: "Домашнее задание № 1 — срок пятница"), TestContext.Current.CancellationToken);

        var received = Assert.Single(_server.Messages);
        Assert.All(received.Raw, b => Assert.True(b < 128, "every header byte is ASCII"));
        var mime = received.Message();
        Assert.Equal("Домашнее задание № 1 — срок пятница", mime.Subject);
        Assert.Equal("Школа Ёлки", Assert.IsType<MailboxAddress>(Assert.Single(mime.From)).Name);
        Assert.Equal("noreply@school.example", received.From);
        Assert.Equal(["ann@example.com"], received.To);
    }

    [Fact]
    public async Task Bulk_mail_carries_one_click_list_unsubscribe_with_url_and_mailto()
    {
        await using var services = Services(_server.Port, o => o.UnsubscribeMailto = "unsubscribe@school.example",
            links: new FixedLinks(new ListUnsubscribeLinks(new Uri("https://school.example/u/abc"), "abc")));

        await Transport(services).SendAsync(Message(stream: MessageStream.Bulk), TestContext.Current.CancellationToken);

        var mime = Assert.Single(_server.Messages).Message();
        Assert.Equal("<https://school.example/u/abc>, <mailto:unsubscribe@school.example?subject=unsubscribe%20abc>", mime.Headers[HeaderId.ListUnsubscribe]);
        Assert.Equal("List-Unsubscribe=One-Click", mime.Headers["List-Unsubscribe-Post"]);
    }

    [Fact]
    public async Task Transactional_mail_carries_no_list_unsubscribe()
    {
        await using var services = Services(_server.Port, o => o.UnsubscribeMailto = "unsubscribe@school.example",
            links: new FixedLinks(new ListUnsubscribeLinks(new Uri("https://school.example/u/abc"))));

        await Transport(services).SendAsync(Message(stream: MessageStream.Transactional), TestContext.Current.CancellationToken);

        var mime = Assert.Single(_server.Messages).Message();
        Assert.False(mime.Headers.Contains(HeaderId.ListUnsubscribe));
        Assert.False(mime.Headers.Contains("List-Unsubscribe-Post"));
    }

    [Theory]
    [InlineData(421)]
    [InlineData(451)]
    public async Task A_4xx_reply_is_transient_with_the_reply_recorded(int code)
    {
        _server.Reply = (code, "Try again later");
        await using var services = Services(_server.Port);

        var result = await Transport(services).SendAsync(Message(), TestContext.Current.CancellationToken);

        var transient = Assert.IsType<TransportResult.Transient>(result);
        Assert.Contains($"{code}", transient.Error, StringComparison.Ordinal);
        Assert.Contains("Try again later", transient.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_5xx_reply_is_permanent_with_the_reply_recorded()
    {
        _server.Reply = (550, "Mailbox unavailable: no such user");
        await using var services = Services(_server.Port);

        var result = await Transport(services).SendAsync(Message(), TestContext.Current.CancellationToken);

        var permanent = Assert.IsType<TransportResult.Permanent>(result);
        Assert.StartsWith("SMTP 550", permanent.Error, StringComparison.Ordinal);
        Assert.Contains("no such user", permanent.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_421_greeting_is_transient()
    {
        await using var scripted = new ScriptedSmtpServer(ScriptedSmtpServer.Fault.Greeting421);
        await using var services = Services(scripted.Port);

        var result = await Transport(services).SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.Contains("421", Assert.IsType<TransportResult.Transient>(result).Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_dropped_mid_data_is_transient()
    {
        await using var scripted = new ScriptedSmtpServer(ScriptedSmtpServer.Fault.DropMidData);
        await using var services = Services(scripted.Port);

        var result = await Transport(services).SendAsync(Message(body: new string('x', 100_000)), TestContext.Current.CancellationToken);

        Assert.IsType<TransportResult.Transient>(result);
    }

    [Fact]
    public async Task A_refused_connection_is_transient()
    {
        var port = FreePort();
        await using var services = Services(port);

        var result = await Transport(services).SendAsync(Message(), TestContext.Current.CancellationToken);

        Assert.IsType<TransportResult.Transient>(result);
    }

    [Fact]
    public async Task Connections_are_reused_and_never_exceed_the_pool_size()
    {
        await using var services = Services(_server.Port, o => o.MaxConnections = 3);
        var transport = Transport(services);

        var results = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            transport.SendAsync(Message(subject: $"m{i}"), TestContext.Current.CancellationToken)));

        Assert.All(results, r => Assert.IsType<TransportResult.Accepted>(r));
        Assert.Equal(30, _server.Messages.Count);
        Assert.InRange(_server.Sessions, 1, 3);
    }

    [Fact]
    public async Task A_connection_is_replaced_after_its_message_limit()
    {
        await using var services = Services(_server.Port, o => (o.MaxConnections, o.MaxMessagesPerConnection) = (1, 2));
        var transport = Transport(services);

        for (var i = 0; i < 5; i++)
        {
            await transport.SendAsync(Message(), TestContext.Current.CancellationToken);
        }

        Assert.Equal(3, _server.Sessions);
    }

    [Fact]
    public void Missing_host_and_sender_fail_validation_with_every_error()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMailing().AddSmtpTransport(o => o.Host = null);
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<SmtpTransportOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains(nameof(SmtpTransportOptions.Host), StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains(nameof(SmtpTransportOptions.FromAddress), StringComparison.Ordinal));
    }

    [Fact]
    public void It_sends_email_only()
    {
        using var services = new ServiceCollection().AddLogging().AddMailing().AddSmtpTransport(o => (o.Host, o.FromAddress) = ("h", "a@b.example")).Services.BuildServiceProvider();

        var transport = Assert.Single(services.GetServices<IMessageTransport>());

        Assert.Equal("smtp", transport.Name);
        Assert.True(transport.CanSend(MessageChannel.Email));
        Assert.False(transport.CanSend(MessageChannel.Sms));
    }

    private static ServiceProvider Services(int port, Action<SmtpTransportOptions>? configure = null, IListUnsubscribeLinks? links = null)
    {
        var services = new ServiceCollection().AddLogging();
        if (links is not null)
        {
            services.AddSingleton(links);
        }

        services.AddMailing().AddSmtpTransport(o =>
        {
            o.Host = "127.0.0.1";
            o.Port = port;
            o.Security = SmtpSecurity.None;
            o.FromAddress = "noreply@school.example";
            o.MessageTimeout = TimeSpan.FromSeconds(10);
            configure?.Invoke(o);
        });
        return services.BuildServiceProvider();
    }

    private static IMessageTransport Transport(IServiceProvider services) => Assert.Single(services.GetServices<IMessageTransport>());

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static OutboundMessage Message(string body = "Hello", string? subject = "Homework 1", MessageStream stream = MessageStream.Operational) => new()
    {
        DeliveryId = Guid.CreateVersion7(),
        CampaignId = Guid.CreateVersion7(),
        ClientId = "acme",
        ContactId = Guid.CreateVersion7(),
        Channel = MessageChannel.Email,
        Stream = stream,
        Address = "ann@example.com",
        Subject = subject,
        Body = body,
        IdempotencyKey = "k",
    };

    private sealed class FixedLinks(ListUnsubscribeLinks links) : IListUnsubscribeLinks
    {
        public ListUnsubscribeLinks? Create(OutboundMessage message) => links;
    }
}
