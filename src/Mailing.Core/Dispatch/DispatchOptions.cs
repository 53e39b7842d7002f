using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Mailing.Dispatch;

/// <summary>Options of the hosted dispatcher, configured by <c>AddDispatch(o =&gt; …)</c>; validated at start.</summary>
public sealed class DispatchOptions
{
    /// <summary>How long an idle dispatcher waits before looking for work again. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Deliveries a sender claims at once. Default 100.</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>Messages of one batch handed to the transport at the same time. Default 16.</summary>
    [Range(1, 1_000)]
    public int MaxConcurrency { get; set; } = 16;

    /// <summary>
    /// Sender loops per stream in this host. Each claims its own batches, so one loop's sends overlap another's
    /// database work (claiming, recording). Default 2.
    /// </summary>
    [Range(1, 64)]
    public int SendersPerStream { get; set; } = 2;

    /// <summary>
    /// How long a claim holds its deliveries (or a campaign being packed). A replica that dies mid-batch releases
    /// them when this runs out; another then sends them with the same idempotency keys. Default 2 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Attempts per delivery before a transient failure becomes permanent. Default 10: a provider that fails one
    /// request in five still gets a message through with a probability of 1 − 0.2¹⁰.
    /// </summary>
    [Range(1, 1_000)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>The first retry's delay; later ones grow exponentially, with full jitter. Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest delay between two attempts (a provider's <c>Retry-After</c> may ask for more). Default 10 min.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Audience pages made into deliveries per turn before the dispatcher looks at other work. Default 10.</summary>
    [Range(1, 1_000)]
    public int PackPagesPerTurn { get; set; } = 10;
}

/// <summary>The DataAnnotations rules of <see cref="DispatchOptions"/>, checked by a generated validator.</summary>
[OptionsValidator]
internal sealed partial class DispatchOptionsValidator : IValidateOptions<DispatchOptions>;

/// <summary>Rules across fields of <see cref="DispatchOptions"/>.</summary>
internal sealed class DispatchOptionsCrossFieldValidator : IValidateOptions<DispatchOptions>
{
    public ValidateOptionsResult Validate(string? name, DispatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.RetryMaxDelay < options.RetryBaseDelay
            ? ValidateOptionsResult.Fail($"{nameof(DispatchOptions.RetryMaxDelay)} must not be shorter than {nameof(DispatchOptions.RetryBaseDelay)}.")
            : ValidateOptionsResult.Success;
    }
}
