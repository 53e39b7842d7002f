using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Mailing.Events;

/// <summary>Options of the Mailgun webhook normalizer.</summary>
public sealed class MailgunWebhookOptions
{
    /// <summary>The HTTP webhook signing key from Mailgun's control panel. Required.</summary>
    public string? SigningKey { get; set; }

    /// <summary>How old a signed timestamp may be (replay protection). Default 15 minutes.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// Mailgun's event webhook (<c>{"signature": {timestamp, token, signature}, "event-data": {…}}</c>): checks the
/// HMAC-SHA256 of timestamp + token under the signing key and the timestamp's age, then maps the event. Singleton.
/// </summary>
internal sealed class MailgunWebhookNormalizer(IOptions<MailgunWebhookOptions> options, TimeProvider time) : IDeliveryEventNormalizer
{
    public string Provider => "mailgun";

    public WebhookNormalization Normalize(WebhookRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = options.Value;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(request.Body);
        }
        catch (JsonException)
        {
            return WebhookNormalization.Refused("The body is not JSON.");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("signature", out var signature) || signature.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("event-data", out var data) || data.ValueKind != JsonValueKind.Object)
            {
                return WebhookNormalization.Refused("The body is not a Mailgun event webhook.");
            }

            var timestamp = Text(signature, "timestamp");
            var token = Text(signature, "token");
            var given = Text(signature, "signature");
            if (timestamp is null || token is null || given is null || string.IsNullOrEmpty(settings.SigningKey))
            {
                return WebhookNormalization.Refused("The signature is missing.");
            }

            var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(settings.SigningKey), Encoding.UTF8.GetBytes(timestamp + token));
            byte[] givenBytes;
            try
            {
                givenBytes = Convert.FromHexString(given);
            }
            catch (FormatException)
            {
                return WebhookNormalization.Refused("The signature does not match.");
            }

            if (!CryptographicOperations.FixedTimeEquals(expected, givenBytes))
            {
                return WebhookNormalization.Refused("The signature does not match.");
            }

            if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                || (time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > settings.MaxAge)
            {
                return WebhookNormalization.Refused("The signature's timestamp is too old.");
            }

            return new WebhookNormalization([Map(data)]);
        }
    }

    private static DeliveryEventInput Map(JsonElement data)
    {
        var kind = Text(data, "event");
        var severity = Text(data, "severity");
        var reason = Text(data, "reason");
        var type = kind switch
        {
            "accepted" => DeliveryEventType.Queued,
            "rejected" => DeliveryEventType.Rejected,
            "delivered" => DeliveryEventType.Delivered,
            "failed" when severity == "permanent" => reason is "suppress-bounce" or "bounce" or "generic" or null ? DeliveryEventType.Bounced : DeliveryEventType.Failed,
            "failed" => DeliveryEventType.Deferred,
            "opened" => DeliveryEventType.Opened,
            "clicked" => DeliveryEventType.Clicked,
            "unsubscribed" => DeliveryEventType.Unsubscribed,
            "complained" => DeliveryEventType.Complained,
            _ => DeliveryEventType.Unknown,
        };
        DateTimeOffset? at = data.TryGetProperty("timestamp", out var ts) && ts.TryGetDouble(out var unix)
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(unix * 1000))
            : null;
        string? messageId = null;
        if (data.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object
            && message.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Object)
        {
            messageId = Text(headers, "message-id");
        }

        string? mta = null;
        string? description = null;
        if (data.TryGetProperty("delivery-status", out var status) && status.ValueKind == JsonValueKind.Object)
        {
            var code = status.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetRawText() : null;
            mta = Text(status, "message") is { Length: > 0 } m ? (code is null ? m : $"{code} {m}") : code;
            description = Text(status, "description");
        }

        return new DeliveryEventInput
        {
            Provider = "mailgun",
            ProviderEventId = Text(data, "id"),
            Type = type,
            Timestamp = at,
            ProviderMessageId = messageId,
            Recipient = Text(data, "recipient"),
            RejectReason = type is DeliveryEventType.Rejected or DeliveryEventType.Failed or DeliveryEventType.Bounced ? Reason(reason) : null,
            Description = string.IsNullOrEmpty(description) ? reason : description,
            MtaResponse = mta,
            Payload = data.Clone(),
        };
    }

    private static RejectReason Reason(string? reason) => reason switch
    {
        "bounce" or "suppress-bounce" or "generic" => RejectReason.Bounced,
        "suppress-complaint" => RejectReason.Spam,
        "suppress-unsubscribe" => RejectReason.Unsubscribed,
        "old" => RejectReason.TimedOut,
        _ => RejectReason.Other,
    };

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        } : null;
}
