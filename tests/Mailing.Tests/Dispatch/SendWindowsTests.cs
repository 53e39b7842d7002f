using Mailing.Dispatch;

namespace Mailing.Tests.Dispatch;

public sealed class SendWindowsTests
{
    private static readonly TimeZoneInfo Moscow = TimeZoneInfo.FindSystemTimeZoneById("Europe/Moscow");
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    private static readonly SendWindow Daytime = Window("09:00", "21:00");
    private static readonly SendWindow Overnight = Window("22:00", "06:00");

    [Fact]
    public void Inside_the_window_the_opening_is_now()
    {
        var now = Utc("2026-06-10T09:00:00"); // 12:00 in Moscow

        Assert.Equal(now, SendWindows.NextOpening(now, Daytime, Moscow));
    }

    [Fact]
    public void Before_the_window_it_opens_later_the_same_local_day()
    {
        var now = Utc("2026-06-10T04:00:00"); // 07:00 in Moscow

        var opening = SendWindows.NextOpening(now, Daytime, Moscow);

        Assert.Equal(Utc("2026-06-10T06:00:00"), opening);
        Assert.Equal(TimeSpan.FromHours(3), opening.Offset);
    }

    [Fact]
    public void After_the_window_it_opens_the_next_local_day()
    {
        var now = Utc("2026-06-10T13:00:00"); // 22:00 in Tokyo

        var opening = SendWindows.NextOpening(now, Daytime, Tokyo);

        Assert.Equal(Utc("2026-06-11T00:00:00"), opening); // 09:00 on the 11th in Tokyo
        Assert.Equal(TimeSpan.FromHours(9), opening.Offset);
    }

    [Fact]
    public void The_local_day_is_the_recipients_not_the_servers()
    {
        var now = Utc("2026-06-10T23:30:00"); // 08:30 on the 11th in Tokyo, still the 10th in UTC

        Assert.Equal(Utc("2026-06-11T00:00:00"), SendWindows.NextOpening(now, Daytime, Tokyo));
    }

    [Fact]
    public void The_opening_time_is_inclusive()
    {
        var now = Utc("2026-06-10T06:00:00"); // 09:00 in Moscow

        Assert.Equal(now, SendWindows.NextOpening(now, Daytime, Moscow));
    }

    [Fact]
    public void The_closing_time_is_exclusive()
    {
        var now = Utc("2026-06-10T18:00:00"); // 21:00 in Moscow

        Assert.Equal(Utc("2026-06-11T06:00:00"), SendWindows.NextOpening(now, Daytime, Moscow));
    }

    [Theory]
    [InlineData("2026-06-10T20:30:00")] // 23:30 in Moscow
    [InlineData("2026-06-10T21:00:00")] // midnight
    [InlineData("2026-06-11T00:00:00")] // 03:00 the next morning
    [InlineData("2026-06-11T02:59:59")] // 05:59:59
    public void A_window_crossing_midnight_is_open_on_both_sides_of_it(string utc)
    {
        var now = Utc(utc);

        Assert.Equal(now, SendWindows.NextOpening(now, Overnight, Moscow));
    }

    [Theory]
    [InlineData("2026-06-11T03:00:00")] // 06:00 in Moscow: closed (exclusive)
    [InlineData("2026-06-11T09:00:00")] // noon
    [InlineData("2026-06-11T18:59:59")] // 21:59:59
    public void A_window_crossing_midnight_opens_in_the_evening(string utc)
    {
        Assert.Equal(Utc("2026-06-11T19:00:00"), SendWindows.NextOpening(Utc(utc), Overnight, Moscow));
    }

    [Fact]
    public void An_opening_in_the_spring_forward_gap_opens_when_the_clock_jumps()
    {
        // Berlin, 29 March 2026: 02:00 CET jumps to 03:00 CEST at 01:00 UTC; 02:30 never happens.
        var window = Window("02:30", "05:00");
        var now = Utc("2026-03-28T23:30:00"); // 00:30 CET

        var opening = SendWindows.NextOpening(now, window, Berlin);

        Assert.Equal(Utc("2026-03-29T01:00:00"), opening); // 03:00 CEST
        Assert.Equal(TimeSpan.FromHours(2), opening.Offset);
    }

    [Fact]
    public void An_opening_in_the_new_york_gap_opens_at_three_in_the_morning()
    {
        // New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT at 07:00 UTC.
        var window = Window("02:00", "04:00");
        var now = Utc("2026-03-08T05:00:00"); // 00:00 EST

        Assert.Equal(Utc("2026-03-08T07:00:00"), SendWindows.NextOpening(now, window, NewYork));
    }

    [Fact]
    public void The_first_instant_after_the_gap_is_inside_the_window()
    {
        var window = Window("02:30", "05:00");

        Assert.True(SendWindows.IsOpen(Utc("2026-03-29T01:00:00"), window, Berlin));
    }

    [Fact]
    public void A_window_lying_entirely_in_the_gap_does_not_open_that_day()
    {
        var window = Window("02:10", "02:50");
        var now = Utc("2026-03-28T23:30:00");

        Assert.Equal(Utc("2026-03-30T00:10:00"), SendWindows.NextOpening(now, window, Berlin)); // 02:10 CEST the next day
    }

    [Fact]
    public void An_opening_in_the_fall_back_overlap_opens_at_its_first_occurrence()
    {
        // Berlin, 25 October 2026: 03:00 CEST falls back to 02:00 CET at 01:00 UTC; 02:30 happens twice.
        var window = Window("02:30", "06:00");
        var now = Utc("2026-10-24T22:00:00"); // 00:00 CEST

        Assert.Equal(Utc("2026-10-25T00:30:00"), SendWindows.NextOpening(now, window, Berlin));
    }

    [Fact]
    public void A_window_that_closed_opens_again_when_the_clock_falls_back_into_it()
    {
        // New York, 1 November 2026: 02:00 EDT falls back to 01:00 EST at 06:00 UTC.
        var window = Window("01:00", "01:30");
        var now = Utc("2026-11-01T05:45:00"); // 01:45 EDT, after the first pass of the window

        Assert.Equal(Utc("2026-11-01T06:00:00"), SendWindows.NextOpening(now, window, NewYork)); // 01:00 EST
    }

    [Fact]
    public void An_opening_on_the_day_after_a_transition_uses_that_days_offset()
    {
        var now = Utc("2026-03-28T21:00:00"); // 22:00 CET, the evening before spring forward

        var opening = SendWindows.NextOpening(now, Daytime, Berlin);

        Assert.Equal(Utc("2026-03-29T07:00:00"), opening); // 09:00 CEST
        Assert.Equal(TimeSpan.FromHours(2), opening.Offset);
    }

    [Fact]
    public void The_opening_is_the_first_open_instant_after_now_across_a_year_in_four_zones()
    {
        var random = new Random(20261125);
        SendWindow[] windows = [Daytime, Overnight, Window("02:30", "05:00"), Window("01:00", "01:30"), Window("00:00", "23:59"), Window("23:00", "00:30")];
        TimeZoneInfo[] zones = [Moscow, Tokyo, NewYork, Berlin];
        var start = Utc("2026-01-01T00:00:00");

        for (var i = 0; i < 300; i++)
        {
            var now = start.AddMinutes(random.Next(0, 365 * 24 * 60)).AddSeconds(random.Next(0, 60));
            var window = windows[random.Next(windows.Length)];
            var zone = zones[random.Next(zones.Length)];

            var opening = SendWindows.NextOpening(now, window, zone);

            Assert.True(opening >= now, $"{zone.Id} {window} at {now:o}: {opening:o} is in the past");
            Assert.True(SendWindows.IsOpen(opening, window, zone), $"{zone.Id} {window} at {now:o}: closed at {opening:o}");
            for (var t = now; t < opening; t = t.AddMinutes(5))
            {
                Assert.False(SendWindows.IsOpen(t, window, zone), $"{zone.Id} {window} at {now:o}: open at {t:o}, before {opening:o}");
            }
        }
    }

    [Fact]
    public void Equal_ends_are_not_a_window()
    {
        Assert.Throws<ArgumentException>(() => SendWindows.NextOpening(Utc("2026-06-10T00:00:00"), new SendWindow(new(9, 0), new(9, 0)), Moscow));
    }

    [Fact]
    public void The_contacts_zone_wins()
    {
        Assert.Equal("Asia/Tokyo", SendWindows.ResolveZone("Asia/Tokyo", "Europe/Moscow").Id);
    }

    [Fact]
    public void Without_a_contact_zone_the_campaign_default_applies()
    {
        Assert.Equal("Europe/Moscow", SendWindows.ResolveZone(null, "Europe/Moscow").Id);
    }

    [Fact]
    public void An_unknown_contact_zone_falls_back_to_the_campaign_default()
    {
        Assert.Equal("Europe/Moscow", SendWindows.ResolveZone("Mars/Olympus_Mons", "Europe/Moscow").Id);
    }

    [Fact]
    public void Without_any_zone_windows_are_evaluated_in_utc()
    {
        Assert.Same(TimeZoneInfo.Utc, SendWindows.ResolveZone(null, null));
    }

    [Fact]
    public void Resolving_the_same_zone_twice_returns_the_cached_instance()
    {
        Assert.Same(SendWindows.ResolveZone("America/New_York"), SendWindows.ResolveZone("America/New_York"));
    }

    [Fact]
    public void Two_hh_mm_strings_parse_into_a_window()
    {
        Assert.Equal(new SendWindow(new(22, 0), new(6, 30)), SendWindows.Parse("22:00", "06:30"));
    }

    [Fact]
    public void No_ends_at_all_mean_no_window()
    {
        Assert.Null(SendWindows.Parse(null, null));
    }

    [Theory]
    [InlineData("9am")]
    [InlineData("24:00")]
    [InlineData("09:00:00")]
    [InlineData("")]
    public void A_malformed_opening_is_reported_on_the_from_field(string from)
    {
        var error = Assert.Throws<MailingValidationException>(() => SendWindows.Parse(from, "21:00"));

        Assert.Equal(["SendWindow.From"], error.Errors.Keys);
    }

    [Fact]
    public void A_missing_end_is_reported_on_its_field()
    {
        var error = Assert.Throws<MailingValidationException>(() => SendWindows.Parse("09:00", null));

        Assert.Equal(["SendWindow.To"], error.Errors.Keys);
    }

    [Fact]
    public void Equal_ends_are_rejected_on_the_to_field()
    {
        var error = Assert.Throws<MailingValidationException>(() => SendWindows.Parse("09:00", "09:00"));

        Assert.Equal(["SendWindow.To"], error.Errors.Keys);
    }

    [Fact]
    public void The_field_prefix_can_be_chosen_by_the_caller()
    {
        var error = Assert.Throws<MailingValidationException>(() => SendWindows.Parse("x", "y", "Campaign.SendWindow"));

        Assert.Equal(["Campaign.SendWindow.From", "Campaign.SendWindow.To"], error.Errors.Keys.Order());
    }

    [Fact]
    public void Window_values_with_seconds_are_rejected()
    {
        var error = Assert.Throws<MailingValidationException>(() => SendWindows.Validate(new SendWindow(new(9, 0, 30), new(21, 0))));

        Assert.Equal(["SendWindow.From"], error.Errors.Keys);
    }

    private static SendWindow Window(string from, string to) => SendWindows.Parse(from, to)!;

    private static DateTimeOffset Utc(string value) => DateTimeOffset.Parse(value + "Z", System.Globalization.CultureInfo.InvariantCulture);
}
