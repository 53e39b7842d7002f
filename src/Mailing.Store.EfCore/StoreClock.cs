namespace Mailing.Store.EfCore;

/// <summary>The stores' notion of now.</summary>
internal static class StoreClock
{
    /// <summary>Now, truncated to whole microseconds: the precision every supported database keeps.</summary>
    public static DateTimeOffset Now(TimeProvider time) => Truncate(time.GetUtcNow());

    /// <summary>An instant in UTC, truncated to whole microseconds.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % 10), TimeSpan.Zero);
    }
}
