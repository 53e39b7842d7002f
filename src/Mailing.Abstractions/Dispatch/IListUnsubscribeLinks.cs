namespace Mailing.Dispatch;

/// <summary>
/// Makes the unsubscribe links a transport puts in an operational or bulk message's <c>List-Unsubscribe</c>
/// header (RFC 2369) and announces as one-click (RFC 8058). Registered by the host (for example with
/// <c>AddOneClickUnsubscribe</c> from Mailing.AspNetCore); transports send no link when none is registered.
/// Implementations are singletons and must be safe to call concurrently.
/// </summary>
public interface IListUnsubscribeLinks
{
    /// <summary>The links for <paramref name="message"/>, or <see langword="null"/> for none.</summary>
    ListUnsubscribeLinks? Create(OutboundMessage message);
}

/// <summary>Where a recipient unsubscribes from one message's stream.</summary>
/// <param name="OneClickUrl">An HTTPS URL that unsubscribes when POSTed <c>List-Unsubscribe=One-Click</c> (RFC 8058), and shows a confirmation page on GET.</param>
/// <param name="MailtoToken">A token a mailto unsubscribe may carry in its subject, so an inbound handler can find the recipient; may be <see langword="null"/>.</param>
public sealed record ListUnsubscribeLinks(Uri OneClickUrl, string? MailtoToken = null);
