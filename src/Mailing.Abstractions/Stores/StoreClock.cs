namespace Mailing.Stores;

/// <summary>
/// Instants as stores keep them: UTC, in whole microseconds (the finest precision PostgreSQL keeps). Core and the
/// stores truncate with it wherever an instant is written, so that what a caller gets back equals what a later
/// read returns, on every store.
/// </summary>
public static class StoreClock
{
    /// <summary>Now, truncated to whole microseconds.</summary>
    public static DateTimeOffset Now(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return Truncate(time.GetUtcNow());
    }

    /// <summary>An instant in UTC, truncated to whole microseconds.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time)
    {
        var utc = time.UtcTicks;
        return new DateTimeOffset(utc - (utc % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
    }
}
