namespace Mailing.AspNetCore.Unsubscribe;

/// <summary>Options of one-click unsubscribe, configured by <c>AddOneClickUnsubscribe(o =&gt; …)</c>.</summary>
public sealed class OneClickUnsubscribeOptions
{
    /// <summary>
    /// The public absolute URL where <c>MapMailingUnsubscribe</c> is mapped (for example
    /// <c>https://mail.example.com/unsubscribe</c>); each message's link is <c>{BaseUrl}/{clientId}?token=…</c>. Required.
    /// </summary>
    public Uri? BaseUrl { get; set; }

    /// <summary>How long a link works after its message was sent. Default 60 days (RFC 8058 asks for "a long time").</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromDays(60);
}
