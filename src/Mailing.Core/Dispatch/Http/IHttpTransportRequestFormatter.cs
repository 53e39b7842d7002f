namespace Mailing.Dispatch.Http;

/// <summary>
/// Speaks a provider's HTTP API for the built-in HTTP transport: builds the request for a message and reads
/// the provider's answer. The default speaks the external send API (<c>POST {BaseUrl}/v1/send/{msgId}</c>);
/// register your own before or after <c>AddHttpTransport</c> (it is added with <c>TryAdd</c>, so yours wins
/// when registered first; otherwise replace the registration). Must be safe to call concurrently.
/// </summary>
/// <remarks>
/// The transport adds <c>Authorization: Bearer …</c> (when a token is configured) and
/// <c>Idempotency-Key: {message.IdempotencyKey}</c> unless the request already carries them, and sends the same
/// request on every attempt, so its content must be re-readable (string, byte-array or JSON content).
/// </remarks>
public interface IHttpTransportRequestFormatter
{
    /// <summary>
    /// Builds the request for <paramref name="message"/>. Throw <see cref="ArgumentException"/> when the message
    /// cannot be expressed in this API (for example an address that is not a phone number): the delivery then
    /// fails permanently with the exception's message.
    /// </summary>
    /// <param name="message">The rendered message.</param>
    /// <param name="options">The transport's options (<see cref="HttpTransportOptions.BaseUrl"/>, …).</param>
    HttpRequestMessage CreateRequest(OutboundMessage message, HttpTransportOptions options);

    /// <summary>
    /// Reads the provider's final answer (after the in-send retries) into a result. A formatter that only
    /// understands successful answers can start with <see cref="HttpTransportResponses.ClassifyStatusAsync"/>.
    /// </summary>
    /// <param name="message">The message that was sent.</param>
    /// <param name="response">The provider's response; disposed by the transport.</param>
    /// <param name="cancellationToken">The send's cancellation.</param>
    Task<TransportResult> ReadResponseAsync(OutboundMessage message, HttpResponseMessage response, CancellationToken cancellationToken);
}
