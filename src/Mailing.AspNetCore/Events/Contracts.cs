namespace Mailing.AspNetCore.Events;

// Wire shapes of the delivery-event endpoints.

/// <summary>Answer of <c>POST /delivery-events</c> and of the provider webhooks: one result per event, in order, with counts.</summary>
/// <param name="Counts">How many events had each outcome.</param>
/// <param name="Items">One result per event, in request order.</param>
public sealed record DeliveryEventBatchResponse(IReadOnlyDictionary<DeliveryEventOutcome, int> Counts, IReadOnlyList<DeliveryEventResult> Items);
