namespace Mailing.Stores;

/// <summary>
/// The append-only log of delivery events and its projection onto deliveries. Events are deduplicated by
/// (client, provider, provider event id); an event whose message is not known is kept and linked when a delivery
/// with that provider message id appears. Concurrent writers never lose each other's events: a projection update
/// either holds the delivery's row lock while it folds, or is optimistic (<c>lock_version</c>) and retried on
/// conflict; either way <c>lock_version</c> moves on. Every call is scoped by client. Implementations are scoped services.
/// </summary>
public interface IDeliveryEventStore
{
    /// <summary>
    /// Stores the events (already validated) and projects the new ones onto their deliveries; one result per event, in
    /// order. An event naming a <see cref="DeliveryEventInput.DeliveryId"/> the client does not have is rejected.
    /// (The pipeline's own events are not appended here: the campaign store writes them with their outcomes.)
    /// </summary>
    Task<IReadOnlyList<StoredEventResult>> AppendAsync(
        string clientId, IReadOnlyList<DeliveryEventInput> events, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Links the client's stored orphan events whose provider message id is one of <paramref name="providerMessageIds"/>
    /// to those deliveries and projects them; how many were linked.
    /// </summary>
    Task<int> LinkOrphansAsync(string clientId, IReadOnlyCollection<string> providerMessageIds, CancellationToken cancellationToken);

    /// <summary>The delivery's events, oldest first, or <see langword="null"/> when the client has no such delivery in that campaign.</summary>
    Task<IReadOnlyList<DeliveryEvent>?> ListAsync(string clientId, Guid campaignId, Guid deliveryId, CancellationToken cancellationToken);

    /// <summary>The delivery's projection, or <see langword="null"/>.</summary>
    Task<DeliveryProjection?> FindProjectionAsync(string clientId, Guid deliveryId, CancellationToken cancellationToken);
}

/// <summary>What the store made of one event.</summary>
/// <param name="Outcome">Applied, orphaned, duplicate, or rejected (unknown delivery).</param>
/// <param name="EventId">The stored event.</param>
/// <param name="DeliveryId">The linked delivery.</param>
/// <param name="Recipient">The recipient (the event's, else the delivery's), for suppressions.</param>
/// <param name="Stream">The delivery's stream, when linked.</param>
public readonly record struct StoredEventResult(
    DeliveryEventOutcome Outcome, Guid? EventId, Guid? DeliveryId, string? Recipient, MessageStream? Stream);
