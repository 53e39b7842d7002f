using System.Collections.Concurrent;
using System.Globalization;
using Mailing.Validation;

namespace Mailing.Dispatch;

/// <summary>
/// Send windows evaluated in a recipient's local time: whether one is open, when it next opens, and the
/// checks on a window's inputs.
/// </summary>
/// <remarks>
/// <para>
/// A window is a span of local wall-clock time each day: <see cref="SendWindow.From"/> inclusive,
/// <see cref="SendWindow.To"/> exclusive, crossing midnight when <c>From &gt; To</c> (22:00–06:00 is open
/// from 22:00 to 05:59:59 the next morning).
/// </para>
/// <para>
/// Daylight-saving transitions follow the wall clock. When the clock skips over the opening (spring
/// forward: Berlin's 02:30 does not exist on the last Sunday of March), the window opens at the first
/// instant after the gap (03:00 CEST), provided the window is still open then; a window lying entirely
/// inside the gap does not open that day. When the clock repeats the opening (fall back), the window opens
/// at its first occurrence, and again at the second one if it had closed in between.
/// </para>
/// </remarks>
internal static class SendWindows
{
    /// <summary>The field name validation errors use (its parts are <c>SendWindow.From</c> and <c>SendWindow.To</c>).</summary>
    public const string DefaultField = "SendWindow";

    // Ids come from validated contacts and campaigns, so the set is small; the bound only guards against junk.
    private const int MaxCachedZones = 4096;

    private static readonly ConcurrentDictionary<string, TimeZoneInfo?> Zones = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="localTime"/> (a wall-clock time of day) is inside <paramref name="window"/>.</summary>
    public static bool Contains(SendWindow window, TimeOnly localTime)
    {
        ArgumentNullException.ThrowIfNull(window);
        return window.From < window.To
            ? localTime >= window.From && localTime < window.To
            : localTime >= window.From || localTime < window.To;
    }

    /// <summary>Whether <paramref name="window"/> is open at <paramref name="now"/> in <paramref name="zone"/>.</summary>
    public static bool IsOpen(DateTimeOffset now, SendWindow window, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return Contains(window, LocalTimeOfDay(now, zone));
    }

    /// <summary>
    /// <paramref name="now"/> when <paramref name="window"/> is open at that instant in <paramref name="zone"/>,
    /// otherwise the instant it next opens (with the offset of that instant in <paramref name="zone"/>).
    /// </summary>
    public static DateTimeOffset NextOpening(DateTimeOffset now, SendWindow window, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentNullException.ThrowIfNull(zone);
        if (window.From == window.To)
        {
            throw new ArgumentException("A send window must not open and close at the same time.", nameof(window));
        }

        if (IsOpen(now, window, zone))
        {
            return now;
        }

        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);

        // The opening is at most a day and a bit away; three candidate days cover every transition.
        for (var day = 0; day < 3; day++)
        {
            var wall = today.AddDays(day).ToDateTime(window.From, DateTimeKind.Unspecified);
            foreach (var instant in Instants(wall, zone))
            {
                if (instant > now && IsOpen(instant, window, zone))
                {
                    return TimeZoneInfo.ConvertTime(instant, zone);
                }
            }
        }

        // Unreachable for real zones (a window opens every day); fail loudly rather than spin.
        throw new InvalidOperationException($"The send window {window.From}–{window.To} never opens in {zone.Id}.");
    }

    /// <summary>
    /// The time zone a contact's send window is evaluated in: the contact's IANA zone, else the campaign's
    /// default zone, else UTC. Unknown ids fall through to the next choice. Zones are looked up once and cached.
    /// </summary>
    public static TimeZoneInfo ResolveZone(string? contactZone, string? defaultZone = null) =>
        Find(contactZone) ?? Find(defaultZone) ?? TimeZoneInfo.Utc;

    /// <summary>
    /// Reads a window from two <c>HH:mm</c> strings (<c>"09:00"</c>, <c>"21:30"</c>). Both absent: no window
    /// (<see langword="null"/>). Otherwise throws <see cref="MailingValidationException"/> naming
    /// <c>{field}.From</c> / <c>{field}.To</c> for a missing or malformed value, or equal values.
    /// </summary>
    public static SendWindow? Parse(string? from, string? to, string field = DefaultField)
    {
        if (from is null && to is null)
        {
            return null;
        }

        var errors = new ValidationErrors();
        var fromTime = ParseTime(from, $"{field}.From", errors);
        var toTime = ParseTime(to, $"{field}.To", errors);
        errors.ThrowIfAny();

        var window = new SendWindow(fromTime, toTime);
        Validate(window, field);
        return window;
    }

    /// <summary>
    /// Checks a window given as values: the times must be whole minutes and must differ. Throws
    /// <see cref="MailingValidationException"/> naming <c>{field}.From</c> / <c>{field}.To</c>.
    /// </summary>
    public static void Validate(SendWindow? window, string field = DefaultField)
    {
        if (window is null)
        {
            return;
        }

        var errors = new ValidationErrors();
        errors.Check($"{field}.From", WholeMinutes(window.From))
              .Check($"{field}.To", WholeMinutes(window.To));
        if (!errors.Any && window.From == window.To)
        {
            errors.Check($"{field}.To", "The send window must close at another time than it opens (use no window to send around the clock).");
        }

        errors.ThrowIfAny();
    }

    private static TimeOnly ParseTime(string? value, string field, ValidationErrors errors)
    {
        if (value is null)
        {
            errors.Check(field, "Give both ends of the send window, as HH:mm.");
            return default;
        }

        if (TimeOnly.TryParseExact(value, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return time;
        }

        errors.Check(field, $"'{(value.Length > 16 ? value[..16] + "…" : value)}' is not a time of day as HH:mm (00:00 to 23:59).");
        return default;
    }

    private static string? WholeMinutes(TimeOnly time) =>
        time.Ticks % TimeSpan.TicksPerMinute == 0 ? null : "Send window times are whole minutes (HH:mm).";

    private static TimeOnly LocalTimeOfDay(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);

    /// <summary>
    /// The instants at which the wall clock of <paramref name="zone"/> shows <paramref name="wall"/>: one
    /// normally, two in a fall-back overlap (earlier first), and the end of the gap when the clock skips it.
    /// </summary>
    private static IEnumerable<DateTimeOffset> Instants(DateTime wall, TimeZoneInfo zone)
    {
        if (zone.IsInvalidTime(wall))
        {
            yield return EndOfGap(wall, zone);
        }
        else if (zone.IsAmbiguousTime(wall))
        {
            foreach (var offset in zone.GetAmbiguousTimeOffsets(wall).Order().Reverse())
            {
                yield return new DateTimeOffset(wall, offset);
            }
        }
        else
        {
            yield return new DateTimeOffset(wall, zone.GetUtcOffset(wall));
        }
    }

    /// <summary>
    /// The first instant whose wall clock reads at least <paramref name="wall"/> (a time the clock skips):
    /// the moment of the transition. Found by bisection over whole seconds of UTC; offsets are within ±14 h,
    /// so the answer lies within a day of <paramref name="wall"/> read as UTC.
    /// </summary>
    private static DateTimeOffset EndOfGap(DateTime wall, TimeZoneInfo zone)
    {
        var asUtc = new DateTimeOffset(wall, TimeSpan.Zero);
        long low = -26 * 3600; // wall clock before `wall` here
        long high = 26 * 3600; // and after it here
        while (high - low > 1)
        {
            var middle = low + ((high - low) / 2);
            if (TimeZoneInfo.ConvertTime(asUtc.AddSeconds(middle), zone).DateTime >= wall)
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }

        return asUtc.AddSeconds(high);
    }

    private static TimeZoneInfo? Find(string? id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > MailingLimits.MaxTimeZoneLength)
        {
            return null;
        }

        if (Zones.TryGetValue(id, out var cached))
        {
            return cached;
        }

        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(id, out var found) ? found : null;
        if (Zones.Count < MaxCachedZones)
        {
            Zones.TryAdd(id, zone);
        }

        return zone;
    }
}
