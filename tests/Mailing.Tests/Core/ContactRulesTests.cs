using Mailing.Validation;

namespace Mailing.Tests.Core;

public sealed class ContactRulesTests
{
    [Theory]
    [InlineData("79161234567", "+79161234567")]
    [InlineData("+7 (916) 123-45-67", "+79161234567")]
    [InlineData("+1 555 123 4567", "+15551234567")]
    [InlineData(" +44.20.7946.0958 ", "+442079460958")]
    [InlineData("+12345678", "+12345678")]
    public void Phones_are_normalized_to_e164(string input, string expected)
    {
        Assert.Null(InputRules.CheckPhone(input, out var normalized));
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("")]
    [InlineData("89161234567")]
    [InlineData("5551234567")]
    [InlineData("+1234567")]
    [InlineData("+1234567890123456")]
    [InlineData("+0161234567")]
    [InlineData("+7916abc4567")]
    [InlineData("7+9161234567")]
    public void Phones_that_are_not_international_numbers_are_rejected(string input)
    {
        Assert.NotNull(InputRules.CheckPhone(input, out _));
    }

    [Theory]
    [InlineData("7", "+7")]
    [InlineData("+7916", "+7916")]
    [InlineData("7 916", "+7916")]
    public void Phone_prefixes_are_normalized_with_a_plus(string input, string expected)
    {
        Assert.Null(InputRules.CheckPhonePrefix(input, out var normalized));
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("Europe/Moscow")]
    [InlineData("America/New_York")]
    [InlineData("UTC")]
    public void Iana_time_zones_are_accepted(string zone)
    {
        Assert.Null(InputRules.CheckTimeZone(zone));
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("")]
    [InlineData("Russian Standard Time")]
    public void Unknown_or_windows_time_zones_are_rejected(string zone)
    {
        Assert.NotNull(InputRules.CheckTimeZone(zone));
    }
}
