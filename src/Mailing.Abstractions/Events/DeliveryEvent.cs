using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mailing;

/// <summary>What happened to a message, in django-anymail's normalized vocabulary plus the pipeline's own two.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeliveryEventType>))]
public enum DeliveryEventType
{
    /// <summary>The provider queued the message.</summary>
    [JsonStringEnumMemberName("queued")] Queued,

    /// <summary>The provider sent the message.</summary>
    [JsonStringEnumMemberName("sent")] Sent,

    /// <summary>The provider refused to send it (terminal).</summary>
    [JsonStringEnumMemberName("rejected")] Rejected,

    /// <summary>The provider could not send it (terminal).</summary>
    [JsonStringEnumMemberName("failed")] Failed,

    /// <summary>The receiving server refused it for good (terminal; suppresses the address).</summary>
    [JsonStringEnumMemberName("bounced")] Bounced,

    /// <summary>Delivery is delayed; the provider keeps trying.</summary>
    [JsonStringEnumMemberName("deferred")] Deferred,

    /// <summary>The receiving server accepted it (terminal).</summary>
    [JsonStringEnumMemberName("delivered")] Delivered,

    /// <summary>An automatic reply came back (out of office).</summary>
    [JsonStringEnumMemberName("autoresponded")] Autoresponded,

    /// <summary>The recipient opened it.</summary>
    [JsonStringEnumMemberName("opened")] Opened,

    /// <summary>The recipient clicked a link.</summary>
    [JsonStringEnumMemberName("clicked")] Clicked,

    /// <summary>The recipient marked it as spam (terminal; suppresses the address).</summary>
    [JsonStringEnumMemberName("complained")] Complained,

    /// <summary>The recipient unsubscribed (suppresses operational and bulk mail to the address).</summary>
    [JsonStringEnumMemberName("unsubscribed")] Unsubscribed,

    /// <summary>The recipient subscribed again.</summary>
    [JsonStringEnumMemberName("subscribed")] Subscribed,

    /// <summary>Something the normalizer could not name.</summary>
    [JsonStringEnumMemberName("unknown")] Unknown,

    /// <summary>The pipeline handed the message to a transport, which accepted it.</summary>
    [JsonStringEnumMemberName("dispatched")] Dispatched,

    /// <summary>The pipeline did not send it because the address is suppressed (terminal).</summary>
    [JsonStringEnumMemberName("suppressed")] Suppressed,
}

/// <summary>Why a provider rejected or failed a message.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RejectReason>))]
public enum RejectReason
{
    /// <summary>The address is invalid.</summary>
    [JsonStringEnumMemberName("invalid")] Invalid,

    /// <summary>The address bounced before.</summary>
    [JsonStringEnumMemberName("bounced")] Bounced,

    /// <summary>Delivery timed out.</summary>
    [JsonStringEnumMemberName("timed_out")] TimedOut,

    /// <summary>Blocked by policy.</summary>
    [JsonStringEnumMemberName("blocked")] Blocked,

    /// <summary>Judged to be spam.</summary>
    [JsonStringEnumMemberName("spam")] Spam,

    /// <summary>The recipient unsubscribed.</summary>
    [JsonStringEnumMemberName("unsubscribed")] Unsubscribed,

    /// <summary>Another reason.</summary>
    [JsonStringEnumMemberName("other")] Other,
}

/// <summary>
/// One event as a provider reported it, normalized: the generic JSON shape of <c>POST /delivery-events</c>, and what
/// an <see cref="Events.IDeliveryEventNormalizer"/> makes of a provider's webhook.
/// </summary>
public sealed record DeliveryEventInput
{
    /// <summary>Who reported it (for example <c>mailgun</c>, <c>smtp</c>). Required, with <see cref="ProviderEventId"/>.</summary>
    public string? Provider { get; init; }

    /// <summary>The provider's id of this event; the same event reported twice is stored once. Required.</summary>
    public string? ProviderEventId { get; init; }

    /// <summary>What happened. Required.</summary>
    public DeliveryEventType? Type { get; init; }

    /// <summary>When it happened, by the provider's clock. Required.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>The provider's id of the message (for SMTP, the <c>Message-ID</c>); links the event to its delivery.</summary>
    public string? ProviderMessageId { get; init; }

    /// <summary>The delivery, when the reporter knows it; must be one of this client's.</summary>
    public Guid? DeliveryId { get; init; }

    /// <summary>The recipient's address.</summary>
    public string? Recipient { get; init; }

    /// <summary>For rejected and failed: why.</summary>
    public RejectReason? RejectReason { get; init; }

    /// <summary>A description for people.</summary>
    public string? Description { get; init; }

    /// <summary>The receiving server's reply, when there was one.</summary>
    public string? MtaResponse { get; init; }

    /// <summary>The provider's raw payload, kept with the event.</summary>
    public JsonElement? Payload { get; init; }
}

/// <summary>One stored event of a delivery's history.</summary>
public sealed record DeliveryEvent
{
    /// <summary>Store id (UUIDv7).</summary>
    public required Guid Id { get; init; }

    /// <summary>Who reported it.</summary>
    public required string Provider { get; init; }

    /// <summary>The provider's event id.</summary>
    public required string ProviderEventId { get; init; }

    /// <summary>What happened.</summary>
    public required DeliveryEventType Type { get; init; }

    /// <summary>When it happened.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>When it was stored.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The provider's message id.</summary>
    public string? ProviderMessageId { get; init; }

    /// <summary>The delivery it is linked to; <see langword="null"/> while its message is not known.</summary>
    public Guid? DeliveryId { get; init; }

    /// <summary>The recipient.</summary>
    public string? Recipient { get; init; }

    /// <summary>Why it was rejected or failed.</summary>
    public RejectReason? RejectReason { get; init; }

    /// <summary>A description for people.</summary>
    public string? Description { get; init; }

    /// <summary>The receiving server's reply.</summary>
    public string? MtaResponse { get; init; }
}

/// <summary>What became of one reported event.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeliveryEventOutcome>))]
public enum DeliveryEventOutcome
{
    /// <summary>Stored, linked to its delivery, and projected onto it.</summary>
    [JsonStringEnumMemberName("applied")] Applied,

    /// <summary>Stored; its message is not known yet, so it is linked when the delivery appears.</summary>
    [JsonStringEnumMemberName("orphaned")] Orphaned,

    /// <summary>Already stored (a provider retrying its webhook); nothing changed.</summary>
    [JsonStringEnumMemberName("duplicate")] Duplicate,

    /// <summary>Not stored: the event is invalid or names a delivery this client does not have.</summary>
    [JsonStringEnumMemberName("rejected")] Rejected,
}

/// <summary>The outcome of one event of a batch.</summary>
/// <param name="Index">Its position in the batch.</param>
/// <param name="Outcome">What became of it.</param>
/// <param name="EventId">The stored event (also for duplicates: the one stored first).</param>
/// <param name="DeliveryId">The delivery it is linked to.</param>
/// <param name="Errors">For rejected: what is wrong, by field.</param>
public sealed record DeliveryEventResult(
    int Index, DeliveryEventOutcome Outcome, Guid? EventId = null, Guid? DeliveryId = null, IReadOnlyDictionary<string, string[]>? Errors = null);

/// <summary>A delivery's projection of its events.</summary>
public sealed record DeliveryProjection
{
    /// <summary>The delivery.</summary>
    public required Guid DeliveryId { get; init; }

    /// <summary>When a transport accepted it.</summary>
    public DateTimeOffset? DispatchedAt { get; init; }

    /// <summary>First delivered event.</summary>
    public DateTimeOffset? DeliveredAt { get; init; }

    /// <summary>First bounced event.</summary>
    public DateTimeOffset? BouncedAt { get; init; }

    /// <summary>First complaint.</summary>
    public DateTimeOffset? ComplainedAt { get; init; }

    /// <summary>When it was suppressed.</summary>
    public DateTimeOffset? SuppressedAt { get; init; }

    /// <summary>Whether a terminal event happened; never flips back.</summary>
    public required bool Terminal { get; init; }

    /// <summary>The latest event's type.</summary>
    public DeliveryEventType? LastEventType { get; init; }

    /// <summary>The latest event's time.</summary>
    public DateTimeOffset? LastEventAt { get; init; }

    /// <summary>Optimistic-lock version, incremented by every update.</summary>
    public required int LockVersion { get; init; }
}
