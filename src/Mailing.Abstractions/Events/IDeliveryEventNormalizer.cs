namespace Mailing.Events;

/// <summary>
/// Turns one provider's webhook request into normalized events, after checking its signature. Register
/// implementations as singletons; <c>POST /delivery-events/{provider}</c> picks the one whose
/// <see cref="Provider"/> matches.
/// </summary>
public interface IDeliveryEventNormalizer
{
    /// <summary>The provider's name in the route (for example <c>mailgun</c>).</summary>
    string Provider { get; }

    /// <summary>
    /// Reads the request: the events it reports, or <see cref="WebhookNormalization.Refused"/> when the signature
    /// does not check out or the payload is not the provider's.
    /// </summary>
    WebhookNormalization Normalize(WebhookRequest request);
}

/// <summary>A provider's webhook request, as received.</summary>
/// <param name="Headers">The request headers (case-insensitive names).</param>
/// <param name="Body">The raw body.</param>
public sealed record WebhookRequest(IReadOnlyDictionary<string, string> Headers, ReadOnlyMemory<byte> Body);

/// <summary>What a normalizer made of a webhook request.</summary>
/// <param name="Events">The normalized events (empty when refused).</param>
/// <param name="Error">Why the request was refused, or <see langword="null"/>.</param>
public sealed record WebhookNormalization(IReadOnlyList<DeliveryEventInput> Events, string? Error = null)
{
    /// <summary>A refusal: the request is not authentic or not understood.</summary>
    public static WebhookNormalization Refused(string error) => new([], error);
}
