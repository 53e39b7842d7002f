using System.Net;
using Mailing;
using Mailing.Dispatch;
using Mailing.Dispatch.Http;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the built-in HTTP transport on a <see cref="MailingBuilder"/>.</summary>
public static class HttpTransportBuilderExtensions
{
    /// <summary>
    /// Sends messages of <see cref="HttpTransportOptions.Channels"/> (sms by default) to an HTTP provider, by
    /// default in the shape of the external send API (<c>POST {BaseUrl}/v1/send/{msgId}</c>, see
    /// <see cref="IHttpTransportRequestFormatter"/> to speak another). Every attempt carries the bearer token
    /// and an <c>Idempotency-Key</c>. Safe to call more than once; each call may add configuration. Options are
    /// validated when the host starts.
    /// </summary>
    /// <param name="builder">The Mailing builder.</param>
    /// <param name="configure">Sets the provider's address, token, timeouts and retries.</param>
    public static MailingBuilder AddHttpTransport(this MailingBuilder builder, Action<HttpTransportOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;

        services.AddOptionsWithValidateOnStart<HttpTransportOptions>().Configure(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HttpTransportOptions>, HttpTransportOptionsAnnotationsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HttpTransportOptions>, HttpTransportOptionsCrossFieldValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IHttpTransportRequestFormatter, ExternalSendApiFormatter>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageTransport, HttpMessageTransport>());

        if (services.Any(d => d.ServiceType == typeof(HttpTransportClientRegistered)))
        {
            return builder; // the named client and its pipeline exist; a second pipeline would run every send twice
        }

        services.AddSingleton<HttpTransportClientRegistered>();
        services
            .AddHttpClient(HttpMessageTransport.ClientName, (sp, client) =>
            {
                var options = sp.GetRequiredService<IOptions<HttpTransportOptions>>().Value;

                // The resilience pipeline times requests out; this only bounds reading a slow response body.
                client.Timeout = options.TotalTimeout + options.AttemptTimeout;
                client.MaxResponseContentBufferSize = 1024 * 1024;
            })
            .AddStandardResilienceHandler()
            .Configure((resilience, sp) => Configure(resilience, sp.GetRequiredService<IOptions<HttpTransportOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        return builder;
    }

    private static void Configure(HttpStandardResilienceOptions resilience, HttpTransportOptions options, TimeProvider time)
    {
        resilience.TotalRequestTimeout.Timeout = options.TotalTimeout;
        resilience.AttemptTimeout.Timeout = options.AttemptTimeout;

        resilience.Retry.MaxRetryAttempts = options.MaxRetryAttempts;
        resilience.Retry.Delay = options.RetryDelay;
        resilience.Retry.BackoffType = DelayBackoffType.Exponential;
        resilience.Retry.UseJitter = true;
        resilience.Retry.ShouldRetryAfterHeader = true;
        var longestInlineWait = options.AttemptTimeout;
        resilience.Retry.ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, longestInlineWait, time, args.Context.CancellationToken));

        resilience.CircuitBreaker.FailureRatio = options.CircuitBreakerFailureRatio;
        resilience.CircuitBreaker.MinimumThroughput = options.CircuitBreakerMinimumThroughput;
        resilience.CircuitBreaker.SamplingDuration = options.CircuitBreakerSamplingDuration;
        resilience.CircuitBreaker.BreakDuration = options.CircuitBreakerBreakDuration;
    }

    /// <summary>
    /// The standard transient rule (attempt timeouts, 408, 429, 5xx, connection errors), except that a 429 asking to
    /// wait longer than one attempt may take is handed back at once: the pipeline reschedules the delivery
    /// after that wait instead of holding a worker in a retry delay.
    /// </summary>
    private static bool ShouldRetry(Outcome<HttpResponseMessage> outcome, TimeSpan longestInlineWait, TimeProvider time, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        if (outcome.Exception is not null)
        {
            return outcome.Exception is HttpRequestException or TimeoutRejectedException;
        }

        if (outcome.Result is not { } response)
        {
            return false;
        }

        var status = (int)response.StatusCode;
        if (status < 500 && response.StatusCode is not (HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests))
        {
            return false;
        }

        return response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
            || HttpTransportResponses.RetryAfter(response, time) is not { } wait
            || wait <= longestInlineWait;
    }

    /// <summary>Marks that the transport's named client and pipeline are registered.</summary>
    private sealed class HttpTransportClientRegistered;
}
