using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailing.Dispatch.Log;

/// <summary>
/// A transport for local runs and tests: logs every message and, when <see cref="LogTransportOptions.FilePath"/>
/// is set, appends it to that file as one JSON line. Always accepts, as <c>log-{deliveryId}</c>. Singleton;
/// appends are serialized, so concurrent sends never interleave lines.
/// </summary>
internal sealed partial class LogMessageTransport(
    IOptions<LogTransportOptions> options,
    TimeProvider time,
    ILogger<LogMessageTransport> logger) : IMessageTransport, IDisposable
{
    private readonly LogTransportOptions _options = options.Value;
    private readonly SemaphoreSlim _fileLock = new(1, 1);

    public string Name => "log";

    public bool CanSend(MessageChannel channel) => _options.Handles(channel);

    public async Task<TransportResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();

        var providerMessageId = "log-" + message.DeliveryId.ToString("D");
        if (logger.IsEnabled(LogLevel.Information))
        {
            var body = Truncate(message.Body, _options.MaxLoggedBodyLength);
            LogMessage(
                logger, message.Channel, message.DeliveryId, message.CampaignId, message.ContactId, message.Address,
                message.Attempt, message.Subject, body);
        }

        if (_options.FilePath is { Length: > 0 } path)
        {
            var line = JsonSerializer.Serialize(LoggedMessage.From(message, providerMessageId, time.GetUtcNow()), LogTransportJson.Default.LoggedMessage);
            await AppendAsync(path, line, cancellationToken).ConfigureAwait(false);
        }

        return new TransportResult.Accepted(providerMessageId);
    }

    public void Dispose() => _fileLock.Dispose();

    private async Task AppendAsync(string path, string line, CancellationToken cancellationToken)
    {
        await _fileLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            // Not cancellable once started: a line is written whole or not at all.
            await File.AppendAllTextAsync(path, line + "\n", Encoding.UTF8, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _fileLock.Release();
        }
    }

    private static string Truncate(string text, int length) =>
        text.Length <= length ? text : string.Concat(text.AsSpan(0, length), "…");

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information,
        Message = "Log transport: {Channel} for delivery {DeliveryId} (campaign {CampaignId}, contact {ContactId}) to {Address}, attempt {Attempt}, subject {Subject}: {Body}")]
    private static partial void LogMessage(
        ILogger logger, MessageChannel channel, Guid deliveryId, Guid campaignId, Guid contactId, string address, int attempt, string? subject, string body);
}

/// <summary>One line of the log transport's file.</summary>
internal sealed record LoggedMessage(
    DateTimeOffset LoggedAt,
    string ProviderMessageId,
    Guid DeliveryId,
    Guid CampaignId,
    string ClientId,
    Guid ContactId,
    MessageChannel Channel,
    MessageStream Stream,
    string Address,
    string? Subject,
    string Body,
    string IdempotencyKey,
    int Attempt,
    DateTimeOffset? Deadline,
    string? CorrelationId)
{
    public static LoggedMessage From(OutboundMessage m, string providerMessageId, DateTimeOffset now) =>
        new(now, providerMessageId, m.DeliveryId, m.CampaignId, m.ClientId, m.ContactId, m.Channel, m.Stream, m.Address,
            m.Subject, m.Body, m.IdempotencyKey, m.Attempt, m.Deadline, m.CorrelationId);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LoggedMessage))]
internal sealed partial class LogTransportJson : JsonSerializerContext;
