using System.Collections.Concurrent;
using Mailing.Dispatch;

namespace Mailing.Tests.Infrastructure;

/// <summary>
/// A transport that keeps every message it is handed (with the clock's time) and answers as told; the default
/// answer accepts. Used where a test needs exact control of a provider's answers per attempt.
/// </summary>
internal sealed class RecordingTransport(TimeProvider clock, params MessageChannel[] channels) : IMessageTransport
{
    private readonly ConcurrentQueue<(OutboundMessage Message, DateTimeOffset At)> _handed = new();

    public string Name => "recording";

    /// <summary>Answers a message; accepts by default.</summary>
    public Func<OutboundMessage, TransportResult> Answer { get; set; } = m => new TransportResult.Accepted($"rec-{m.DeliveryId:N}");

    /// <summary>Every message handed over, in order.</summary>
    public IReadOnlyList<(OutboundMessage Message, DateTimeOffset At)> Handed => [.. _handed];

    public IReadOnlyList<OutboundMessage> Accepted(string clientId) =>
        [.. _handed.Where(h => h.Message.ClientId == clientId).Select(h => h.Message)
            .Where(m => Answer(m) is TransportResult.Accepted)];

    public bool CanSend(MessageChannel channel) => channels.Length == 0 || channels.Contains(channel);

    public Task<TransportResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _handed.Enqueue((message, clock.GetUtcNow()));
        return Task.FromResult(Answer(message));
    }
}
