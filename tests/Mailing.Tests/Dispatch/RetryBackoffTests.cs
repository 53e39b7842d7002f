using Mailing.Dispatch;

namespace Mailing.Tests.Dispatch;

public sealed class RetryBackoffTests
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Cap = TimeSpan.FromMinutes(5);

    [Fact]
    public void The_ceiling_doubles_with_each_failed_attempt_up_to_the_cap()
    {
        TimeSpan[] ceilings = [.. Enumerable.Range(1, 10).Select(n => RetryBackoff.Ceiling(n, Base, Cap))];

        Assert.Equal(
            [2, 4, 8, 16, 32, 64, 128, 256, 300, 300],
            ceilings.Select(c => c.TotalSeconds));
    }

    [Fact]
    public void A_huge_attempt_number_stays_at_the_cap()
    {
        Assert.Equal(Cap, RetryBackoff.Ceiling(int.MaxValue, Base, Cap));
    }

    [Fact]
    public void Full_jitter_stays_between_zero_and_the_ceiling()
    {
        var random = new Random(7);
        for (var attempt = 1; attempt <= 12; attempt++)
        {
            for (var i = 0; i < 100; i++)
            {
                var delay = RetryBackoff.NextDelay(attempt, Base, Cap, BackoffJitter.Full, random);

                Assert.InRange(delay, TimeSpan.Zero, RetryBackoff.Ceiling(attempt, Base, Cap));
            }
        }
    }

    [Fact]
    public void Full_jitter_spreads_delays_across_the_range()
    {
        var random = new Random(11);

        var delays = Enumerable.Range(0, 1000).Select(_ => RetryBackoff.NextDelay(4, Base, Cap, BackoffJitter.Full, random).TotalSeconds).ToArray();

        Assert.InRange(delays.Min(), 0, 1.6);
        Assert.InRange(delays.Max(), 14.4, 16);
    }

    [Fact]
    public void Decorrelated_jitter_stays_between_the_base_and_three_times_the_previous_delay()
    {
        var random = new Random(3);
        TimeSpan? previous = null;
        for (var attempt = 1; attempt <= 30; attempt++)
        {
            var delay = RetryBackoff.NextDelay(attempt, Base, Cap, BackoffJitter.Decorrelated, random, previousDelay: previous);

            var upper = TimeSpan.FromTicks(Math.Min((previous ?? Base).Ticks * 3, Cap.Ticks));
            Assert.InRange(delay, Base, upper);
            previous = delay;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_same_seed_gives_the_same_delays(bool decorrelated)
    {
        var jitter = decorrelated ? BackoffJitter.Decorrelated : BackoffJitter.Full;
        static TimeSpan[] Run(BackoffJitter jitter)
        {
            var random = new Random(42);
            TimeSpan? previous = null;
            return [.. Enumerable.Range(1, 8).Select(n => (previous = RetryBackoff.NextDelay(n, Base, Cap, jitter, random, previousDelay: previous)).Value)];
        }

        Assert.Equal(Run(jitter), Run(jitter));
    }

    [Fact]
    public void A_longer_retry_after_wins_over_the_computed_delay()
    {
        var delay = RetryBackoff.NextDelay(1, Base, Cap, BackoffJitter.Full, new Random(1), retryAfter: TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(30), delay);
    }

    [Fact]
    public void A_retry_after_above_the_cap_is_still_honoured()
    {
        var delay = RetryBackoff.NextDelay(1, Base, Cap, BackoffJitter.Full, new Random(1), retryAfter: TimeSpan.FromHours(1));

        Assert.Equal(TimeSpan.FromHours(1), delay);
    }

    [Fact]
    public void A_shorter_retry_after_does_not_shorten_the_delay()
    {
        var delay = RetryBackoff.NextDelay(1, Base, Cap, BackoffJitter.Decorrelated, new Random(1), retryAfter: TimeSpan.FromMilliseconds(1));

        Assert.True(delay >= Base);
    }

    [Theory]
    [InlineData(0, 3, true)]
    [InlineData(2, 3, true)]
    [InlineData(3, 3, false)]
    [InlineData(4, 3, false)]
    public void Retries_stop_after_the_maximum_attempts(int failed, int max, bool expected)
    {
        Assert.Equal(expected, RetryBackoff.CanRetry(failed, max));
    }

    [Fact]
    public void A_cap_below_the_base_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryBackoff.NextDelay(1, Base, TimeSpan.FromSeconds(1), BackoffJitter.Full, new Random(1)));
    }
}
