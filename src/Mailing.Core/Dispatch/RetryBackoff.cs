namespace Mailing.Dispatch;

/// <summary>How <see cref="RetryBackoff"/> randomizes its delays.</summary>
internal enum BackoffJitter
{
    /// <summary>
    /// "Full jitter": uniformly between zero and the exponential ceiling <c>min(max, base × 2^(n−1))</c>.
    /// Spreads a burst of failures best; needs no state.
    /// </summary>
    Full,

    /// <summary>
    /// "Decorrelated jitter": uniformly between <c>base</c> and three times the previous delay, capped at
    /// <c>max</c>. Grows a little slower and never falls below <c>base</c>; needs the previous delay.
    /// </summary>
    Decorrelated,
}

/// <summary>
/// Exponential backoff between a delivery's attempts, from a base delay to a cap, with jitter so replicas
/// retrying the same outage do not return in step. Deterministic for a seeded <see cref="Random"/>.
/// </summary>
/// <remarks>
/// A provider's own <c>Retry-After</c> wins when it asks for longer than the computed delay (it is honoured
/// as given, also above the cap: the provider knows when it will take mail again). Whether a retry still
/// fits before the campaign's end is the caller's check.
/// </remarks>
internal static class RetryBackoff
{
    /// <summary>Whether a delivery that has failed <paramref name="failedAttempts"/> times may be tried again.</summary>
    public static bool CanRetry(int failedAttempts, int maxAttempts) => failedAttempts < maxAttempts;

    /// <summary>
    /// The delay before the next attempt, after <paramref name="failedAttempts"/> (1, 2, …) failed ones.
    /// </summary>
    /// <param name="failedAttempts">How many attempts have failed so far (at least 1).</param>
    /// <param name="baseDelay">The first delay's ceiling (full jitter) or floor (decorrelated jitter).</param>
    /// <param name="maxDelay">The cap of the computed delay; at least <paramref name="baseDelay"/>.</param>
    /// <param name="jitter">How to randomize.</param>
    /// <param name="random">The randomness; pass a seeded instance in tests, <see cref="Random.Shared"/> otherwise.</param>
    /// <param name="retryAfter">The transport's <see cref="TransportResult.Transient.RetryAfter"/>, when it gave one.</param>
    /// <param name="previousDelay">The delay chosen before the failed attempt (decorrelated jitter); <see langword="null"/> on the first retry.</param>
    public static TimeSpan NextDelay(
        int failedAttempts,
        TimeSpan baseDelay,
        TimeSpan maxDelay,
        BackoffJitter jitter,
        Random random,
        TimeSpan? retryAfter = null,
        TimeSpan? previousDelay = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(baseDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDelay, baseDelay);
        ArgumentNullException.ThrowIfNull(random);

        var computed = jitter switch
        {
            BackoffJitter.Full => FullJitter(failedAttempts, baseDelay, maxDelay, random),
            BackoffJitter.Decorrelated => DecorrelatedJitter(baseDelay, maxDelay, previousDelay, random),
            _ => throw new ArgumentOutOfRangeException(nameof(jitter), jitter, "Unknown jitter."),
        };

        return retryAfter is { } asked && asked > computed ? asked : computed;
    }

    /// <summary>The exponential ceiling <c>min(max, base × 2^(n−1))</c>, without jitter.</summary>
    public static TimeSpan Ceiling(int failedAttempts, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        // 2^62 ticks overflows long for any useful base; past 2^40 the cap has long been reached.
        var exponent = Math.Min(failedAttempts - 1, 40);
        var ticks = baseDelay.Ticks * Math.Pow(2, exponent);
        return ticks >= maxDelay.Ticks ? maxDelay : TimeSpan.FromTicks((long)ticks);
    }

    private static TimeSpan FullJitter(int failedAttempts, TimeSpan baseDelay, TimeSpan maxDelay, Random random) =>
        TimeSpan.FromTicks((long)(Ceiling(failedAttempts, baseDelay, maxDelay).Ticks * random.NextDouble()));

    private static TimeSpan DecorrelatedJitter(TimeSpan baseDelay, TimeSpan maxDelay, TimeSpan? previousDelay, Random random)
    {
        var previous = previousDelay is { } p && p > baseDelay ? p : baseDelay;
        var upper = Math.Min(previous.Ticks * 3.0, maxDelay.Ticks);
        var ticks = baseDelay.Ticks + ((upper - baseDelay.Ticks) * random.NextDouble());
        return TimeSpan.FromTicks((long)Math.Min(ticks, maxDelay.Ticks));
    }
}
