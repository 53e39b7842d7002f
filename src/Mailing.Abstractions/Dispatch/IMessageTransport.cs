namespace Mailing.Dispatch;

/// <summary>
/// Hands rendered messages to a provider (an HTTP API, an SMTP server, a log). Implementations are
/// singletons and must be safe to call concurrently.
/// </summary>
/// <remarks>
/// A transport never throws for a provider's failure: it answers <see cref="TransportResult.Transient"/>
/// (try again later) or <see cref="TransportResult.Permanent"/> (never try again). The pipeline cancels
/// <c>cancellationToken</c> when the message's <see cref="OutboundMessage.Deadline"/> passes, so nothing is
/// handed over after it, retries included; an <see cref="OperationCanceledException"/> is then the right answer.
/// </remarks>
public interface IMessageTransport
{
    /// <summary>A short name recorded with each delivery (for example <c>http</c>, <c>smtp</c>, <c>log</c>).</summary>
    string Name { get; }

    /// <summary>Whether this transport sends messages of <paramref name="channel"/>.</summary>
    bool CanSend(MessageChannel channel);

    /// <summary>Sends one message.</summary>
    /// <param name="message">The rendered message.</param>
    /// <param name="cancellationToken">Cancelled at the message's deadline or when the host stops.</param>
    Task<TransportResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken);
}

/// <summary>One rendered message for one recipient, as a transport receives it.</summary>
public sealed record OutboundMessage
{
    /// <summary>The delivery this message is for; stable across attempts.</summary>
    public required Guid DeliveryId { get; init; }

    /// <summary>The campaign sending it.</summary>
    public required Guid CampaignId { get; init; }

    /// <summary>The owning client.</summary>
    public required string ClientId { get; init; }

    /// <summary>The recipient contact.</summary>
    public required Guid ContactId { get; init; }

    /// <summary>The channel.</summary>
    public required MessageChannel Channel { get; init; }

    /// <summary>The stream.</summary>
    public required MessageStream Stream { get; init; }

    /// <summary>Where to: an email address for <see cref="MessageChannel.Email"/>, an E.164 phone number otherwise.</summary>
    public required string Address { get; init; }

    /// <summary>The rendered subject (email), or <see langword="null"/>.</summary>
    public string? Subject { get; init; }

    /// <summary>The rendered body.</summary>
    public required string Body { get; init; }

    /// <summary>
    /// Same for every attempt of the same delivery (also after a crash and a re-claim): providers that
    /// honour an <c>Idempotency-Key</c> accept the message at most once.
    /// </summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>The campaign's end: nothing may be handed to the provider after it. <see langword="null"/> for none.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>1 for the first attempt, then 2, 3, …</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>The campaign's correlation id, for the provider's logs; may be <see langword="null"/>.</summary>
    public string? CorrelationId { get; init; }
}

/// <summary>What a transport made of one message.</summary>
public abstract record TransportResult
{
    private protected TransportResult()
    {
    }

    /// <summary>The provider took the message.</summary>
    /// <param name="ProviderMessageId">The provider's id for it, when it gives one.</param>
    public sealed record Accepted(string? ProviderMessageId) : TransportResult;

    /// <summary>Not sent now; worth trying again (timeouts, 429, 5xx, refused connections, unreadable answers).</summary>
    /// <param name="Error">What happened, recorded as the delivery's last error.</param>
    /// <param name="RetryAfter">How long the provider asked to wait, when it said.</param>
    public sealed record Transient(string Error, TimeSpan? RetryAfter = null) : TransportResult;

    /// <summary>Never worth trying again (the provider refused this message for good).</summary>
    /// <param name="Error">What happened, recorded as the delivery's last error.</param>
    public sealed record Permanent(string Error) : TransportResult;
}
