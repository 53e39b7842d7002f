using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Mailing.Dispatch.Smtp;

/// <summary>How the SMTP transport secures its connections.</summary>
public enum SmtpSecurity
{
    /// <summary>TLS from the first byte on port 465, else STARTTLS when the server offers it (MailKit's choice).</summary>
    Auto,

    /// <summary>A plain connection, never upgraded (a local test server).</summary>
    None,

    /// <summary>STARTTLS when the server offers it, plain otherwise.</summary>
    StartTlsWhenAvailable,

    /// <summary>STARTTLS, required: a server that does not offer it is a failure.</summary>
    StartTls,

    /// <summary>TLS from the first byte (implicit TLS, usually port 465).</summary>
    SslOnConnect,
}

/// <summary>
/// Options of the SMTP transport, configured by <c>AddSmtpTransport(o =&gt; …)</c> and validated when the host
/// starts (every error listed at once).
/// </summary>
public sealed class SmtpTransportOptions
{
    /// <summary>The SMTP server's host name or address. Required.</summary>
    [Required]
    public string? Host { get; set; }

    /// <summary>The server's port. Default 587 (submission).</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>How connections are secured. Default <see cref="SmtpSecurity.Auto"/>.</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.Auto;

    /// <summary>The user name to authenticate with; no authentication when <see langword="null"/>.</summary>
    public string? UserName { get; set; }

    /// <summary>The password for <see cref="UserName"/>. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>The sender's address (<c>From</c> and the envelope sender). Required.</summary>
    [Required]
    [EmailAddress]
    public string? FromAddress { get; set; }

    /// <summary>The sender's display name; may contain any Unicode (it is encoded per RFC 2047).</summary>
    public string? FromName { get; set; }

    /// <summary>
    /// The domain of each message's <c>Message-ID</c> (<c>&lt;{deliveryId}@{domain}&gt;</c>); the domain of
    /// <see cref="FromAddress"/> when <see langword="null"/>.
    /// </summary>
    public string? MessageIdDomain { get; set; }

    /// <summary>
    /// An address that accepts unsubscribe requests by mail, added to <c>List-Unsubscribe</c> as a <c>mailto:</c>
    /// link beside the one-click URL; none when <see langword="null"/>.
    /// </summary>
    [EmailAddress]
    public string? UnsubscribeMailto { get; set; }

    /// <summary>At most this many connections open at once (each sends one message at a time). Default 4.</summary>
    [Range(1, 100)]
    public int MaxConnections { get; set; } = 4;

    /// <summary>A connection is closed and replaced after this many messages. Default 100.</summary>
    [Range(1, 100_000)]
    public int MaxMessagesPerConnection { get; set; } = 100;

    /// <summary>An idle pooled connection older than this is closed instead of reused. Default 1 minute.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long one message may take, connecting and waiting for a connection included. Default 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan MessageTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The channels this transport sends. Empty (the default) means <see cref="MessageChannel.Email"/> only.</summary>
    public IList<MessageChannel> Channels { get; } = [];

    internal bool Handles(MessageChannel channel) => Channels.Count == 0 ? channel == MessageChannel.Email : Channels.Contains(channel);
}

/// <summary>The DataAnnotations rules of <see cref="SmtpTransportOptions"/>, checked by a generated validator.</summary>
[OptionsValidator]
internal sealed partial class SmtpTransportOptionsAnnotationsValidator : IValidateOptions<SmtpTransportOptions>;

/// <summary>Rules that relate the options to each other.</summary>
internal sealed class SmtpTransportOptionsCrossFieldValidator : IValidateOptions<SmtpTransportOptions>
{
    public ValidateOptionsResult Validate(string? name, SmtpTransportOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        if (options.Password is not null && string.IsNullOrEmpty(options.UserName))
        {
            builder.AddError("is set, but UserName is not.", nameof(SmtpTransportOptions.Password));
        }

        if (options.Channels.Any(c => c != MessageChannel.Email))
        {
            builder.AddError("may only hold email: SMTP sends email.", nameof(SmtpTransportOptions.Channels));
        }

        if (options.MessageIdDomain is { } domain && (domain.Length == 0 || domain.Any(c => char.IsWhiteSpace(c) || c is '<' or '>' or '@')))
        {
            builder.AddError("must be a domain name.", nameof(SmtpTransportOptions.MessageIdDomain));
        }

        return builder.Build();
    }
}
