using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Mailing.Dispatch.Http;

/// <summary>
/// The built-in HTTP transport: sends through the named <see cref="HttpClient"/> <see cref="ClientName"/>
/// (standard resilience pipeline configured from <see cref="HttpTransportOptions"/>), in the shape of the
/// registered <see cref="IHttpTransportRequestFormatter"/>. Singleton; safe to call concurrently.
/// </summary>
internal sealed partial class HttpMessageTransport(
    IHttpClientFactory clients,
    IHttpTransportRequestFormatter formatter,
    IOptions<HttpTransportOptions> options,
    ILogger<HttpMessageTransport> logger) : IMessageTransport
{
    public const string ClientName = "Mailing.HttpTransport";
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private readonly HttpTransportOptions _options = options.Value;

    public string Name => "http";

    public bool CanSend(MessageChannel channel) => _options.Handles(channel);

    public async Task<TransportResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();

        HttpRequestMessage request;
        try
        {
            request = formatter.CreateRequest(message, _options);
        }
        catch (ArgumentException ex)
        {
            return Log(message, new TransportResult.Permanent(ex.Message));
        }

        using (request)
        {
            if (_options.Token is { Length: > 0 } token && request.Headers.Authorization is null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            if (!request.Headers.Contains(IdempotencyKeyHeader))
            {
                request.Headers.TryAddWithoutValidation(IdempotencyKeyHeader, message.IdempotencyKey);
            }

            var result = await SendAsync(message, request, cancellationToken).ConfigureAwait(false);
            return Log(message, result);
        }
    }

    private async Task<TransportResult> SendAsync(OutboundMessage message, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, cancellationToken).ConfigureAwait(false);
            return await formatter.ReadResponseAsync(message, response, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // the deadline passed or the host is stopping: nothing more may be sent
        }
        catch (TimeoutRejectedException ex)
        {
            return new TransportResult.Transient($"The provider did not answer within {ex.Timeout.TotalSeconds:0.###} s.");
        }
        catch (BrokenCircuitException)
        {
            return new TransportResult.Transient(
                "The provider is failing; the circuit is open and sends fail fast for now.", _options.CircuitBreakerBreakDuration);
        }
        catch (HttpRequestException ex)
        {
            return new TransportResult.Transient($"The provider could not be reached ({ex.HttpRequestError}): {ex.Message}");
        }
        catch (OperationCanceledException)
        {
            // HttpClient.Timeout, the last resort around a slow response body.
            return new TransportResult.Transient($"The provider did not answer within {_options.TotalTimeout.TotalSeconds:0.###} s.");
        }
    }

    private TransportResult Log(OutboundMessage message, TransportResult result)
    {
        switch (result)
        {
            case TransportResult.Accepted accepted:
                LogAccepted(logger, message.DeliveryId, message.CampaignId, message.ContactId, message.Attempt, accepted.ProviderMessageId);
                break;
            case TransportResult.Transient transient:
                LogTransient(logger, message.DeliveryId, message.CampaignId, message.ContactId, message.Attempt, transient.Error, transient.RetryAfter);
                break;
            case TransportResult.Permanent permanent:
                LogPermanent(logger, message.DeliveryId, message.CampaignId, message.ContactId, message.Attempt, permanent.Error);
                break;
        }

        return result;
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Debug,
        Message = "HTTP provider accepted delivery {DeliveryId} (campaign {CampaignId}, contact {ContactId}, attempt {Attempt}) as {ProviderMessageId}")]
    private static partial void LogAccepted(ILogger logger, Guid deliveryId, Guid campaignId, Guid contactId, int attempt, string? providerMessageId);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning,
        Message = "HTTP send of delivery {DeliveryId} (campaign {CampaignId}, contact {ContactId}, attempt {Attempt}) failed transiently: {Error} (retry after {RetryAfter})")]
    private static partial void LogTransient(ILogger logger, Guid deliveryId, Guid campaignId, Guid contactId, int attempt, string error, TimeSpan? retryAfter);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning,
        Message = "HTTP provider refused delivery {DeliveryId} (campaign {CampaignId}, contact {ContactId}, attempt {Attempt}) for good: {Error}")]
    private static partial void LogPermanent(ILogger logger, Guid deliveryId, Guid campaignId, Guid contactId, int attempt, string error);
}
