using System.Text;
using Mailing.Dispatch;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Mailing.AspNetCore.Unsubscribe;

/// <summary>
/// Signed, expiring unsubscribe tokens (ASP.NET Core Data Protection, time-limited). The protector's purpose includes
/// the client id, so a token minted for one client does not open under another's URL. The token carries the
/// recipient, the delivery and the stream. Singleton; also the transports' <see cref="IListUnsubscribeLinks"/>.
/// </summary>
internal sealed class UnsubscribeTokens(IDataProtectionProvider protection, IOptions<OneClickUnsubscribeOptions> options, TimeProvider time)
    : IListUnsubscribeLinks
{
    private const string Purpose = "Mailing.Unsubscribe.v1";

    public ListUnsubscribeLinks? Create(OutboundMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Channel != MessageChannel.Email || message.Stream == MessageStream.Transactional || options.Value.BaseUrl is not { } baseUrl)
        {
            return null;
        }

        var token = Protect(message.ClientId, new UnsubscribeTicket(message.Address.Trim().ToLowerInvariant(), message.DeliveryId, message.Stream));
        var url = new Uri($"{baseUrl.AbsoluteUri.TrimEnd('/')}/{Uri.EscapeDataString(message.ClientId)}?token={token}");
        return new ListUnsubscribeLinks(url, token);
    }

    public string Protect(string clientId, UnsubscribeTicket ticket)
    {
        var payload = $"{ticket.Recipient}\n{ticket.DeliveryId:N}\n{(int)ticket.Stream}";
        var protector = Protector(clientId);
        return protector.Protect(payload, time.GetUtcNow() + options.Value.TokenLifetime);
    }

    /// <summary>The ticket in <paramref name="token"/>, or <see langword="null"/> when it is forged, tampered with, expired or another client's.</summary>
    public UnsubscribeTicket? Unprotect(string clientId, string? token)
    {
        if (string.IsNullOrEmpty(token) || string.IsNullOrEmpty(clientId))
        {
            return null;
        }

        string payload;
        try
        {
            payload = Protector(clientId).Unprotect(token, out var expiration);
            if (expiration <= time.GetUtcNow())
            {
                return null;
            }
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
        catch (FormatException)
        {
            return null;
        }

        var parts = payload.Split('\n');
        return parts.Length == 3 && Guid.TryParseExact(parts[1], "N", out var delivery) && int.TryParse(parts[2], out var stream)
            && Enum.IsDefined((MessageStream)stream)
            ? new UnsubscribeTicket(parts[0], delivery, (MessageStream)stream)
            : null;
    }

    private ITimeLimitedDataProtector Protector(string clientId) =>
        protection.CreateProtector(Purpose, Convert.ToBase64String(Encoding.UTF8.GetBytes(clientId))).ToTimeLimitedDataProtector();
}

/// <summary>What an unsubscribe token says.</summary>
internal sealed record UnsubscribeTicket(string Recipient, Guid DeliveryId, MessageStream Stream);
