using System.Text.Json.Serialization;

namespace Mailing;

/// <summary>One campaign's message to one contact: made once, sent at most once (the idempotency key travels with every attempt).</summary>
public sealed record Delivery
{
    /// <summary>Store id (UUIDv7).</summary>
    public required Guid Id { get; init; }

    /// <summary>The campaign.</summary>
    public required Guid CampaignId { get; init; }

    /// <summary>The recipient.</summary>
    public required Guid ContactId { get; init; }

    /// <summary>The address the message goes to (email or E.164 phone), fixed when the delivery was made.</summary>
    public required string Recipient { get; init; }

    /// <summary>The lower-case domain of an email recipient, else <see langword="null"/>.</summary>
    public string? RecipientDomain { get; init; }

    /// <summary>Sent with every attempt, so a provider accepts the message at most once.</summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>Where the delivery stands.</summary>
    public required DeliveryStatus Status { get; init; }

    /// <summary>Attempts handed to a transport so far.</summary>
    public required int Attempts { get; init; }

    /// <summary>When the delivery may next be tried (deferred ones: the window's opening or the retry time).</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>The last failure, as the transport described it.</summary>
    public string? LastError { get; init; }

    /// <summary>The transport that sent it.</summary>
    public string? Transport { get; init; }

    /// <summary>The provider's id of the accepted message.</summary>
    public string? ProviderMessageId { get; init; }

    /// <summary>When a transport accepted it.</summary>
    public DateTimeOffset? SentAt { get; init; }

    /// <summary>The time of its first <c>delivered</c> event (from the provider).</summary>
    public DateTimeOffset? DeliveredAt { get; init; }

    /// <summary>The time of its first <c>bounced</c> event.</summary>
    public DateTimeOffset? BouncedAt { get; init; }

    /// <summary>The time of its first <c>complained</c> event.</summary>
    public DateTimeOffset? ComplainedAt { get; init; }

    /// <summary>When it was suppressed (by the pipeline, or a provider's report).</summary>
    public DateTimeOffset? SuppressedAt { get; init; }

    /// <summary>
    /// Whether its story has ended: a delivered, bounced, complained, rejected, failed or suppressed event, or the delivery
    /// failed, expired or was cancelled. Never flips back.
    /// </summary>
    public bool Terminal { get; init; }

    /// <summary>The type of its latest event, by event time.</summary>
    public DeliveryEventType? LastEventType { get; init; }

    /// <summary>The time of its latest event.</summary>
    public DateTimeOffset? LastEventAt { get; init; }

    /// <summary>When it was made.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>Where a delivery stands. <c>sent</c>, <c>failed</c>, <c>expired</c>, <c>cancelled</c> and <c>suppressed</c> are final.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeliveryStatus>))]
public enum DeliveryStatus
{
    /// <summary>Made, not tried yet.</summary>
    [JsonStringEnumMemberName("queued")]
    Queued,

    /// <summary>Waiting for a later time: the recipient's send window, or a retry after a transient failure.</summary>
    [JsonStringEnumMemberName("deferred")]
    Deferred,

    /// <summary>Claimed by a sender, which holds a lease on it; claimable again if the lease runs out.</summary>
    [JsonStringEnumMemberName("sending")]
    Sending,

    /// <summary>A transport accepted it.</summary>
    [JsonStringEnumMemberName("sent")]
    Sent,

    /// <summary>Refused for good, or out of attempts; <see cref="Delivery.LastError"/> says why.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,

    /// <summary>The campaign's end passed before it was sent.</summary>
    [JsonStringEnumMemberName("expired")]
    Expired,

    /// <summary>The campaign was cancelled before it was sent.</summary>
    [JsonStringEnumMemberName("cancelled")]
    Cancelled,

    /// <summary>The address is suppressed (bounced, complained, unsubscribed); nothing was sent.</summary>
    [JsonStringEnumMemberName("suppressed")]
    Suppressed,
}

/// <summary>A campaign's deliveries counted by status, with attempts and timings.</summary>
public sealed record CampaignStats
{
    /// <summary>The campaign.</summary>
    public required Guid CampaignId { get; init; }

    /// <summary>Its name.</summary>
    public required string Name { get; init; }

    /// <summary>Its status.</summary>
    public required CampaignStatus Status { get; init; }

    /// <summary>Deliveries per status; every status is present (zero when none).</summary>
    public required IReadOnlyDictionary<DeliveryStatus, long> Deliveries { get; init; }

    /// <summary>All deliveries.</summary>
    public required long Total { get; init; }

    /// <summary>Attempts handed to transports, over all deliveries (detailed statistics only).</summary>
    public long? Attempts { get; init; }

    /// <summary>When sending began.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the campaign reached a final status.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The first message accepted by a transport (detailed statistics only).</summary>
    public DateTimeOffset? FirstSentAt { get; init; }

    /// <summary>The last message accepted by a transport (detailed statistics only).</summary>
    public DateTimeOffset? LastSentAt { get; init; }
}

/// <summary>A message rendered for one contact, without sending it.</summary>
/// <param name="ContactId">The contact.</param>
/// <param name="Recipient">The address it would go to, or <see langword="null"/> when the contact has none for the channel.</param>
/// <param name="Subject">The rendered subject.</param>
/// <param name="Body">The rendered body.</param>
public sealed record RenderedMessage(Guid ContactId, string? Recipient, string? Subject, string Body);
