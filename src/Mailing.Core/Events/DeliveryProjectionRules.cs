namespace Mailing.Events;

/// <summary>
/// The projection rules of delivery events, shared by every store: the last event's time and type only move forward (a late,
/// older event changes neither; at equal times a fixed precedence decides, so the result does not depend on arrival
/// order); each <c>*_at</c> is written once; <c>terminal</c> becomes true on delivered, bounced, complained, rejected,
/// failed and suppressed and never flips back.
/// </summary>
public static class DeliveryProjectionRules
{
    /// <summary>Whether an event of <paramref name="type"/> ends the delivery's story.</summary>
    public static bool IsTerminal(DeliveryEventType type) => type is DeliveryEventType.Delivered or DeliveryEventType.Bounced
        or DeliveryEventType.Complained or DeliveryEventType.Rejected or DeliveryEventType.Failed or DeliveryEventType.Suppressed;

    /// <summary>The projection after one more event (the input is not changed). Applying the same event twice changes nothing more.</summary>
    public static DeliveryProjection Apply(DeliveryProjection projection, DeliveryEventType type, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(projection);
        var newer = projection.LastEventAt is not { } last || at > last
            || (at == last && Precedence(type) > Precedence(projection.LastEventType ?? DeliveryEventType.Unknown));
        return projection with
        {
            DispatchedAt = projection.DispatchedAt ?? (type == DeliveryEventType.Dispatched ? at : null),
            DeliveredAt = projection.DeliveredAt ?? (type == DeliveryEventType.Delivered ? at : null),
            BouncedAt = projection.BouncedAt ?? (type == DeliveryEventType.Bounced ? at : null),
            ComplainedAt = projection.ComplainedAt ?? (type == DeliveryEventType.Complained ? at : null),
            SuppressedAt = projection.SuppressedAt ?? (type == DeliveryEventType.Suppressed ? at : null),
            Terminal = projection.Terminal || IsTerminal(type),
            LastEventType = newer ? type : projection.LastEventType,
            LastEventAt = newer ? at : projection.LastEventAt,
        };
    }

    /// <summary>Whether <paramref name="after"/> differs from <paramref name="before"/> in anything but the lock version.</summary>
    public static bool Changed(DeliveryProjection before, DeliveryProjection after) =>
        !EqualityComparer<DeliveryProjection>.Default.Equals(before, after with { LockVersion = before.LockVersion });

    /// <summary>
    /// Among events at the same instant, the later in a message's life wins: the higher of two precedences. A delivery
    /// with no last event counts as <see cref="DeliveryEventType.Unknown"/>.
    /// </summary>
    public static int Precedence(DeliveryEventType type) => type switch
    {
        DeliveryEventType.Queued => 0,
        DeliveryEventType.Deferred => 1,
        DeliveryEventType.Dispatched => 2,
        DeliveryEventType.Sent => 3,
        DeliveryEventType.Unknown => 4,
        DeliveryEventType.Autoresponded => 5,
        DeliveryEventType.Opened => 6,
        DeliveryEventType.Clicked => 7,
        DeliveryEventType.Subscribed => 8,
        DeliveryEventType.Unsubscribed => 9,
        DeliveryEventType.Delivered => 10,
        DeliveryEventType.Rejected => 11,
        DeliveryEventType.Failed => 12,
        DeliveryEventType.Bounced => 13,
        DeliveryEventType.Suppressed => 14,
        _ => 15, // complained
    };
}
