using System.ComponentModel.DataAnnotations;

namespace Mailing.Dispatch.Http;

/// <summary>
/// Options of the built-in HTTP transport, configured by <c>AddHttpTransport(o =&gt; …)</c> and validated when
/// the host starts (every error listed at once).
/// </summary>
/// <remarks>
/// Each send runs through <c>Microsoft.Extensions.Http.Resilience</c>'s standard pipeline: a total timeout
/// around up to <see cref="MaxRetryAttempts"/> retries (exponential backoff with jitter from
/// <see cref="RetryDelay"/>), a circuit breaker, and a timeout per attempt. What is still failing after that is
/// answered as a transient failure, and the dispatch pipeline retries the delivery later.
/// </remarks>
public sealed class HttpTransportOptions
{
    /// <summary>
    /// The provider's base address, absolute <c>http</c> or <c>https</c> (for example
    /// <c>https://probe.example.com/</c>); the default request posts to <c>{BaseUrl}/v1/send/{msgId}</c>. Required.
    /// </summary>
    [Required]
    public Uri? BaseUrl { get; set; }

    /// <summary>
    /// The bearer token sent as <c>Authorization: Bearer …</c> on every attempt; none when <see langword="null"/>.
    /// Never logged.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>The channels this transport sends. Empty (the default) means <see cref="MessageChannel.Sms"/> only.</summary>
    public IList<MessageChannel> Channels { get; } = [];

    /// <summary>How long one attempt may take. Default 10 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one send may take, retries included; more than <see cref="AttemptTimeout"/>. Default 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.020", "01:00:00")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries within one send after a transient failure (timeout, 408, 429, 5xx, connection error). Default 2; 0 disables them.</summary>
    [Range(0, 10)]
    public int MaxRetryAttempts { get; set; } = 2;

    /// <summary>The base of the exponential backoff (with jitter) between those retries. Default 1 second.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:05:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The share of failed requests within <see cref="CircuitBreakerSamplingDuration"/> that opens the circuit
    /// (sends then fail fast, as transient, for <see cref="CircuitBreakerBreakDuration"/>). Default 0.1.
    /// </summary>
    [Range(0.001, 1.0)]
    public double CircuitBreakerFailureRatio { get; set; } = 0.1;

    /// <summary>The fewest requests within the sampling duration before the circuit may open. Default 100.</summary>
    [Range(2, int.MaxValue)]
    public int CircuitBreakerMinimumThroughput { get; set; } = 100;

    /// <summary>The window failures are counted in; at least twice <see cref="AttemptTimeout"/>. Default 30 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "1.00:00:00")]
    public TimeSpan CircuitBreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the circuit stays open. Default 5 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "1.00:00:00")]
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    internal bool Handles(MessageChannel channel) => Channels.Count == 0 ? channel == MessageChannel.Sms : Channels.Contains(channel);
}
