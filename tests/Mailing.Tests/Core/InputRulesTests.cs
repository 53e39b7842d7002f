using System.Text.Json;
using Mailing.Validation;

namespace Mailing.Tests.Core;

public sealed class InputRulesTests
{
    [Theory]
    [InlineData("alice@example.com", "alice@example.com")]
    [InlineData("  Alice@Example.COM ", "alice@example.com")]
    [InlineData("first.last+tag@sub.example.org", "first.last+tag@sub.example.org")]
    public void Valid_emails_are_trimmed_and_normalized_to_lower_case(string input, string normalized)
    {
        Assert.Null(InputRules.CheckEmail(input, out var trimmed, out var actual));
        Assert.Equal(input.Trim(), trimmed);
        Assert.Equal(normalized, actual);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not-an-address")]
    [InlineData("Ann <ann@example.com>")]
    [InlineData("ann@")]
    [InlineData("ann smith@example.com")]
    public void Malformed_emails_are_rejected_with_a_message(string? input)
    {
        Assert.NotNull(InputRules.CheckEmail(input, out _, out _));
    }

    [Theory]
    [InlineData("a\u200B@example.com")] // zero-width space
    [InlineData("a@exa\u200Dmple.com")] // zero-width joiner
    [InlineData("a@-example.com")]
    [InlineData("a@example-.com")]
    [InlineData("a@exa..mple.com")]
    [InlineData("a@[127.0.0.1]")]
    [InlineData("a@[IPv6:::1]")]
    [InlineData("=?utf-8?q?a?=@example.com")]
    [InlineData("\"a b\"@example.com")]
    [InlineData("\u0455ales@example.com")] // Cyrillic s, then Latin
    [InlineData("sales@ex\u0430mple.com")] // Cyrillic a inside a Latin label
    public void Addresses_that_hide_or_disguise_another_are_refused(string input)
    {
        Assert.NotNull(InputRules.CheckEmail(input, out _, out _));
    }

    [Fact]
    public void A_local_part_may_take_64_characters_not_65()
    {
        Assert.Null(InputRules.CheckEmail(new string('a', 64) + "@example.com", out _, out _));
        Assert.NotNull(InputRules.CheckEmail(new string('a', 65) + "@example.com", out _, out _));
    }

    [Theory]
    [InlineData("a@example.com.", "a@example.com")]
    [InlineData("Ann@Bücher.DE", "ann@xn--bcher-kva.de")]
    [InlineData("ann@xn--bcher-kva.de", "ann@xn--bcher-kva.de")]
    [InlineData("иван@пример.рф", "иван@xn--e1afmkfd.xn--p1ai")]
    public void The_domain_is_compared_in_ascii_without_a_trailing_dot(string input, string normalized)
    {
        Assert.Null(InputRules.CheckEmail(input, out _, out var actual));
        Assert.Equal(normalized, actual);
    }

    [Fact]
    public void Metadata_is_stored_as_compact_json()
    {
        using var document = JsonDocument.Parse("""{ "b" : 1,  "a": [1, 2] }""");

        Assert.Null(InputRules.CheckMetadata(document.RootElement, out var json));
        Assert.Equal("""{"b":1,"a":[1,2]}""", json);
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    public void Metadata_that_is_not_an_object_is_rejected(string metadata)
    {
        using var document = JsonDocument.Parse(metadata);

        Assert.NotNull(InputRules.CheckMetadata(document.RootElement, out _));
    }

    [Theory]
    [InlineData("homework-submitters:ml-zoomcamp-2026:homework-1", true)]
    [InlineData("a/b", false)]
    [InlineData("has space", false)]
    [InlineData("", false)]
    public void List_keys_may_not_contain_slashes_or_spaces(string key, bool valid)
    {
        Assert.Equal(valid, InputRules.CheckListKey(key) is null);
    }

    [Theory]
    [InlineData("default", true)]
    [InlineData("students-2026", true)]
    [InlineData("bad audience", false)]
    [InlineData("", false)]
    public void Audiences_are_short_identifiers(string audience, bool valid)
    {
        Assert.Equal(valid, InputRules.CheckAudience(audience) is null);
    }

    [Fact]
    public void Page_cursors_round_trip_and_reject_foreign_values()
    {
        Assert.Equal("homework:1/ü", PageCursor.Decode(PageCursor.Encode("homework:1/ü"), _ => true));
        Assert.Throws<MailingValidationException>(() => PageCursor.Decode("%%%", _ => true));
    }
}
