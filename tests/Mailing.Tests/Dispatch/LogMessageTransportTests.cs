using System.Collections.Concurrent;
using System.Text.Json;
using Mailing.Dispatch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Mailing.Tests.Dispatch;

public sealed class LogMessageTransportTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"mailing-log-transport-{Guid.NewGuid():N}");
    private readonly CapturingLoggerProvider _logs = new();

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Every_message_is_accepted_as_log_and_its_delivery_id()
    {
        using var services = Services();
        var message = Message();

        var result = await Transport(services).SendAsync(message, TestContext.Current.CancellationToken);

        Assert.Equal(new TransportResult.Accepted($"log-{message.DeliveryId:D}"), result);
    }

    [Fact]
    public void It_sends_every_channel_by_default()
    {
        using var services = Services();

        Assert.All(Enum.GetValues<MessageChannel>(), channel => Assert.True(Transport(services).CanSend(channel)));
    }

    [Fact]
    public void Its_channels_can_be_narrowed()
    {
        using var services = Services(o => o.Channels.Add(MessageChannel.Email));

        Assert.True(Transport(services).CanSend(MessageChannel.Email));
        Assert.False(Transport(services).CanSend(MessageChannel.Sms));
    }

    [Fact]
    public async Task The_log_line_carries_the_ids_and_a_truncated_body()
    {
        using var services = Services(o => o.MaxLoggedBodyLength = 10);
        var message = Message(body: new string('x', 50));

        await Transport(services).SendAsync(message, TestContext.Current.CancellationToken);

        var entry = Assert.Single(_logs.Entries);
        Assert.Equal(message.DeliveryId, entry.State["DeliveryId"]);
        Assert.Equal(message.CampaignId, entry.State["CampaignId"]);
        Assert.Equal(message.ContactId, entry.State["ContactId"]);
        Assert.Equal(new string('x', 10) + "…", entry.State["Body"]);
    }

    [Fact]
    public async Task With_a_file_each_message_is_appended_as_a_json_line_in_a_created_folder()
    {
        var path = Path.Combine(_folder, "nested", "outbox.jsonl");
        using var services = Services(o => o.FilePath = path);
        var message = Message(body: "Line one\nline two");

        await Transport(services).SendAsync(message, TestContext.Current.CancellationToken);

        var line = Assert.Single(await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken));
        using var json = JsonDocument.Parse(line);
        Assert.Equal(message.DeliveryId, json.RootElement.GetProperty("deliveryId").GetGuid());
        Assert.Equal("Line one\nline two", json.RootElement.GetProperty("body").GetString());
        Assert.Equal("sms", json.RootElement.GetProperty("channel").GetString());
        Assert.Equal(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero), json.RootElement.GetProperty("loggedAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Concurrent_sends_append_whole_lines()
    {
        var path = Path.Combine(_folder, "outbox.jsonl");
        using var services = Services(o => o.FilePath = path);
        var transport = Transport(services);

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            transport.SendAsync(Message(body: $"message {i} " + new string('y', 2000)), TestContext.Current.CancellationToken)));

        var lines = await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken);
        Assert.Equal(200, lines.Length);
        Assert.Equal(200, lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("deliveryId").GetGuid()).Distinct().Count());
    }

    [Fact]
    public void Registering_twice_adds_one_transport()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMailing().AddLogTransport().AddLogTransport(o => o.MaxLoggedBodyLength = 5);
        using var provider = services.BuildServiceProvider();

        Assert.Single(provider.GetServices<IMessageTransport>());
    }

    [Fact]
    public void Transports_are_listed_in_registration_order()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMailing().AddHttpTransport(o => o.BaseUrl = new Uri("http://127.0.0.1:9/")).AddLogTransport();
        using var provider = services.BuildServiceProvider();

        Assert.Equal(["http", "log"], provider.GetServices<IMessageTransport>().Select(t => t.Name));
    }

    private ServiceProvider Services(Action<Mailing.Dispatch.Log.LogTransportOptions>? configure = null)
    {
        var services = new ServiceCollection().AddLogging(b => b.AddProvider(_logs));
        services.AddSingleton<TimeProvider>(new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero)));
        services.AddMailing().AddLogTransport(configure);
        return services.BuildServiceProvider();
    }

    private static IMessageTransport Transport(IServiceProvider services) => Assert.Single(services.GetServices<IMessageTransport>());

    private static OutboundMessage Message(string body = "Hello") => new()
    {
        DeliveryId = Guid.CreateVersion7(),
        CampaignId = Guid.CreateVersion7(),
        ClientId = "acme",
        ContactId = Guid.CreateVersion7(),
        Channel = MessageChannel.Sms,
        Stream = MessageStream.Bulk,
        Address = "+79161234567",
        Body = body,
        IdempotencyKey = "k",
    };

    private sealed record Entry(string Category, LogLevel Level, IReadOnlyDictionary<string, object?> State);

    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        private readonly ConcurrentQueue<Entry> _entries = new();

        public IReadOnlyList<Entry> Entries => [.. _entries.Where(e => e.Category.EndsWith("LogMessageTransport", StringComparison.Ordinal))];

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

        public void Dispose()
        {
        }

        private sealed class Logger(string category, ConcurrentQueue<Entry> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
                entries.Enqueue(new Entry(category, logLevel, values.ToDictionary(v => v.Key, v => v.Value)));
            }
        }
    }
}
