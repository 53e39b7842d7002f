using System.Buffers.Binary;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mailing.Dispatch.Http;

/// <summary>
/// The default request: the external send API of the original mailing-service brief.
/// <c>POST {BaseUrl}/v1/send/{msgId}</c> with <c>{"id": msgId, "phone": 79161234567, "text": "…"}</c>; a 2xx
/// answer whose body reads as <c>{"code": 0, "message": "OK"}</c> is accepted, with <c>msgId</c> (as text) as
/// the provider's message id.
/// </summary>
/// <remarks>
/// <c>msgId</c> is <see cref="MessageIdFor"/>: a positive 63-bit number derived from the delivery id alone,
/// so every attempt of a delivery (also after a crash and a re-claim) posts to the same URL with the same id.
/// </remarks>
internal sealed class ExternalSendApiFormatter(TimeProvider time) : IHttpTransportRequestFormatter
{
    /// <summary>
    /// The delivery's message id in this API: the first 8 bytes of SHA-256 over the delivery id's 16 bytes in
    /// RFC 4122 (big-endian) order, read as a big-endian integer with the top bit cleared; 0 becomes 1. Stable
    /// across processes and versions; two deliveries share a number with a chance of about n²/2⁶⁴.
    /// </summary>
    public static long MessageIdFor(Guid deliveryId)
    {
        Span<byte> bytes = stackalloc byte[16];
        deliveryId.TryWriteBytes(bytes, bigEndian: true, out _);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bytes, hash);
        var id = (long)(BinaryPrimitives.ReadUInt64BigEndian(hash) & long.MaxValue);
        return id == 0 ? 1 : id;
    }

    public HttpRequestMessage CreateRequest(OutboundMessage message, HttpTransportOptions options)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(options);
        var phone = PhoneNumber(message.Address);
        var id = MessageIdFor(message.DeliveryId);
        var baseUrl = options.BaseUrl ?? throw new InvalidOperationException("HttpTransportOptions.BaseUrl is not set.");
        var root = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        return new HttpRequestMessage(HttpMethod.Post, new Uri(root, "v1/send/" + id.ToString(CultureInfo.InvariantCulture)))
        {
            Content = JsonContent.Create(new SendRequest(id, phone, message.Body), ExternalSendApiJson.Default.SendRequest),
        };
    }

    public async Task<TransportResult> ReadResponseAsync(OutboundMessage message, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(response);
        if (await HttpTransportResponses.ClassifyAsync(response, time, cancellationToken).ConfigureAwait(false) is { } failure)
        {
            return failure;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        SendResponse? answer;
        try
        {
            answer = JsonSerializer.Deserialize(body, ExternalSendApiJson.Default.SendResponse);
        }
        catch (JsonException)
        {
            answer = null;
        }

        if (answer is not { Code: { } code, Message: not null })
        {
            return new TransportResult.Transient(
                $"HTTP {(int)response.StatusCode} with an unreadable body (expected {{\"code\": 0, \"message\": \"OK\"}}): {Excerpt(body)}");
        }

        return code == 0
            ? new TransportResult.Accepted(MessageIdFor(message.DeliveryId).ToString(CultureInfo.InvariantCulture))
            : new TransportResult.Transient($"The provider answered code {code}: {Excerpt(answer.Message)}");
    }

    /// <summary>The E.164 number's digits as an integer (<c>+79161234567</c> → 79161234567).</summary>
    private static long PhoneNumber(string address)
    {
        var digits = address.StartsWith('+') ? address.AsSpan(1) : address.AsSpan();
        if (digits.Length is < 8 or > 15 || digits[0] == '0' || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw new ArgumentException("The external send API sends to phone numbers only; the address is not an E.164 number.", nameof(address));
        }

        return number;
    }

    private static string Excerpt(string text)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= HttpTransportResponses.MaxBodyExcerptLength ? line : line[..HttpTransportResponses.MaxBodyExcerptLength] + "…";
    }
}

internal sealed record SendRequest(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("phone")] long Phone,
    [property: JsonPropertyName("text")] string Text);

internal sealed record SendResponse(
    [property: JsonPropertyName("code")] int? Code,
    [property: JsonPropertyName("message")] string? Message);

[JsonSerializable(typeof(SendRequest))]
[JsonSerializable(typeof(SendResponse))]
internal sealed partial class ExternalSendApiJson : JsonSerializerContext;
