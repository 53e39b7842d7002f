using Mailing.Store.EfCore.Stores;

namespace Mailing.Tests.Stores;

/// <summary>The two small helpers the PostgreSQL set-based path relies on while streaming a request.</summary>
public sealed class SetBasedHelpersTests
{
    [Fact]
    public void Sequential_ids_are_version_7_with_the_rfc_variant()
    {
        var ids = new SequentialGuids(DateTimeOffset.Parse("2026-11-24T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

        var bytes = ids.Next().ToByteArray(bigEndian: true);

        Assert.Equal(0x70, bytes[6] & 0xF0);
        Assert.Equal(0x80, bytes[8] & 0xC0);
    }

    [Fact]
    public void Sequential_ids_carry_the_run_timestamp_in_milliseconds()
    {
        var at = DateTimeOffset.Parse("2026-11-24T12:34:56.789Z", System.Globalization.CultureInfo.InvariantCulture);

        var bytes = new SequentialGuids(at).Next().ToByteArray(bigEndian: true);

        var milliseconds = bytes[..6].Aggregate(0L, (value, b) => (value << 8) | b);
        Assert.Equal(at.ToUnixTimeMilliseconds(), milliseconds);
    }

    [Fact]
    public void Sequential_ids_increase_in_the_order_the_database_sorts_uuids()
    {
        var ids = new SequentialGuids(DateTimeOffset.UnixEpoch.AddYears(56));

        var drawn = Enumerable.Range(0, 10_000).Select(_ => ids.Next().ToByteArray(bigEndian: true)).ToList();

        // PostgreSQL compares uuids byte by byte in their written (big-endian) order.
        Assert.All(drawn.Zip(drawn.Skip(1)), pair => Assert.True(pair.First.AsSpan().SequenceCompareTo(pair.Second) < 0));
    }

    [Fact]
    public void Two_runs_in_the_same_millisecond_draw_different_ids()
    {
        var at = DateTimeOffset.UnixEpoch.AddYears(56);

        Assert.NotEqual(new SequentialGuids(at).Next(), new SequentialGuids(at).Next());
    }

    [Fact]
    public void The_repeat_filter_never_misses_a_repeat()
    {
        var filter = new RepeatFilter();
        var values = Enumerable.Range(0, 50_000).Select(i => $"submission:{i:D8}").ToList();

        var firstPass = values.Count(filter.MaybeSeen);
        var secondPass = values.Count(filter.MaybeSeen);

        Assert.Equal(values.Count, secondPass);
        Assert.True(firstPass <= 1, $"{firstPass} distinct values were flagged as possible repeats.");
    }
}
