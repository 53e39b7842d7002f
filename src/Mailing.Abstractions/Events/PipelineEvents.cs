namespace Mailing;

/// <summary>
/// How the events the library records itself are named: the pipeline's <c>dispatched</c> and <c>suppressed</c> events
/// (stored with the outcome that caused them) and a one-click unsubscribe. Their provider is <see cref="Provider"/>,
/// and each event's id is derived from its delivery, so recording it again stores nothing new.
/// </summary>
public static class PipelineEvents
{
    /// <summary>The provider name of the library's own events.</summary>
    public const string Provider = "mailing";

    /// <summary>The provider event id of a delivery's own event of <paramref name="type"/>: <c>{delivery id, 32 hex digits}:{type}</c>.</summary>
    /// <param name="deliveryId">The delivery.</param>
    /// <param name="type">The event's type.</param>
    public static string EventId(Guid deliveryId, DeliveryEventType type) => $"{deliveryId:N}:{TypeName(type)}";

    /// <summary>The lower-case wire name of <paramref name="type"/> (<c>dispatched</c>, <c>suppressed</c>, …).</summary>
    /// <param name="type">The event's type.</param>
    public static string TypeName(DeliveryEventType type) => type.ToString().ToLowerInvariant();
}
