using System.Globalization;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Mailing.Dispatch.Smtp;

/// <summary>How SMTP failures map to the transport's outcomes: 4xx and broken connections are transient, 5xx permanent.</summary>
internal static class SmtpFailures
{
    /// <summary>The connection (or its setup) failed: refused, dropped, TLS or authentication trouble, a garbled reply.</summary>
    public static bool IsConnectionFailure(Exception e) =>
        e is IOException or SocketException or ProtocolException or ServiceNotConnectedException or ServiceNotAuthenticatedException
            or AuthenticationException or SslHandshakeException or System.Security.Authentication.AuthenticationException;

    /// <summary>The outcome of a server's refusal.</summary>
    public static TransportResult FromReply(SmtpCommandException e)
    {
        var code = (int)e.StatusCode;
        var text = string.Create(CultureInfo.InvariantCulture, $"SMTP {code} {e.Message}").Trim();
        return code is >= 500 and < 600 ? new TransportResult.Permanent(text) : new TransportResult.Transient(text);
    }

    /// <summary>The outcome of a broken connection.</summary>
    public static TransportResult FromConnection(Exception e) =>
        new TransportResult.Transient($"SMTP connection failed ({e.GetType().Name}): {e.Message}");
}
