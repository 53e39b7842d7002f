using System.Globalization;
using System.Text.Json;

namespace Mailing.Validation;

/// <summary>The validation and normalization rules shared by every Mailing input.</summary>
internal static class InputRules
{
    public const int MaxLocalPartLength = 64;
    private const string AtomSpecials = "!#$%&'*+-/=?^_`{|}~";
    public const string EmptyObjectJson = "{}";

    /// <summary>Checks a client id (which hosts take from the authenticated principal, not from end users).</summary>
    public static bool IsValidClientId(string? clientId) =>
        !string.IsNullOrWhiteSpace(clientId) && clientId.Length <= MailingLimits.MaxClientIdLength && !HasControlChars(clientId);

    /// <summary>
    /// Checks a scope: a bad client id is the host's mistake (<see cref="ArgumentException"/>), since the client comes
    /// from the authenticated principal, never from end users; a bad audience is returned as the error to report.
    /// </summary>
    public static string? CheckScope(MailingScope scope) =>
        IsValidClientId(scope.ClientId)
            ? CheckAudience(scope.Audience)
            : throw new ArgumentException($"The scope's client id must be 1 to {MailingLimits.MaxClientIdLength} printable characters.", nameof(scope));

    public static string? CheckAudience(string? audience)
    {
        if (string.IsNullOrEmpty(audience) || audience.Length > MailingLimits.MaxAudienceLength)
        {
            return $"The audience must be 1 to {MailingLimits.MaxAudienceLength} characters.";
        }

        foreach (var c in audience)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'))
            {
                return "The audience may contain only letters, digits, '-', '_', '.' and ':'.";
            }
        }

        return null;
    }

    public static string? CheckListKey(string? key)
    {
        if (CheckKey(key, "list key", MailingLimits.MaxListKeyLength) is { } error)
        {
            return error;
        }

        return key!.Contains('/', StringComparison.Ordinal) ? "The list key must not contain '/'." : null;
    }

    public static string? CheckSourceObjectKey(string? key) => CheckKey(key, "source object key", MailingLimits.MaxSourceObjectKeyLength);

    public static string? CheckType(string? type) =>
        string.IsNullOrWhiteSpace(type) ? "The list type is required."
        : type.Length > MailingLimits.MaxListTypeLength ? $"The list type must be at most {MailingLimits.MaxListTypeLength} characters."
        : HasControlChars(type) || type.Trim().Length != type.Length ? "The list type must not contain control characters, unpaired surrogates or leading/trailing spaces."
        : null;

    public static string? CheckName(string? name) =>
        name is null ? null
        : name.Length > MailingLimits.MaxNameLength ? $"The name must be at most {MailingLimits.MaxNameLength} characters."
        : HasControlChars(name) ? "The name must not contain control characters or unpaired surrogates."
        : null;

    /// <summary>
    /// Checks an email address; on success returns the trimmed and the normalized (comparison) form: the local
    /// part in lower case, then the domain in lower-case ASCII (IDN labels as punycode) without a trailing dot,
    /// so <c>Ann@Bücher.DE.</c> and <c>ann@xn--bcher-kva.de</c> are one address.
    /// </summary>
    /// <remarks>
    /// Refused: spaces, control and invisible (format) characters such as a zero-width space; a local part over
    /// 64 characters, quoted, or an encoded word (<c>=?utf-8?…?=</c>); letters of more than one script in the
    /// local part or in one domain label (<c>ѕales@</c> with a Cyrillic s); IP-literal domains (<c>[127.0.0.1]</c>);
    /// domain labels that are empty, over 63 characters, or start or end with '-'.
    /// </remarks>
    public static string? CheckEmail(string? email, out string trimmed, out string normalized)
    {
        trimmed = normalized = string.Empty;
        if (string.IsNullOrWhiteSpace(email))
        {
            return "The email address is required.";
        }

        var candidate = email.Trim();
        if (candidate.Length > MailingLimits.MaxEmailLength)
        {
            return $"The email address must be at most {MailingLimits.MaxEmailLength} characters.";
        }

        if (candidate.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || char.GetUnicodeCategory(c) == UnicodeCategory.Format) || HasUnpairedSurrogate(candidate))
        {
            return "The email address must not contain spaces, control or invisible characters.";
        }

        var at = candidate.LastIndexOf('@');
        if (at <= 0 || at == candidate.Length - 1 || candidate.IndexOf('@', StringComparison.Ordinal) != at)
        {
            return $"'{Truncate(candidate)}' is not a valid email address.";
        }

        var local = candidate[..at];
        if (CheckLocalPart(local) is { } localError)
        {
            return localError;
        }

        if (NormalizeDomain(candidate[(at + 1)..]) is not { } domain)
        {
            return $"'{Truncate(candidate)}' does not have a valid domain (letters, digits and '-' in dot-separated labels, no IP literal).";
        }

        trimmed = candidate;
        normalized = string.Concat(local.ToLowerInvariant(), "@", domain);
        return null;
    }

    /// <summary>Checks that metadata is a JSON object (or absent) and returns its compact text.</summary>
    public static string? CheckMetadata(JsonElement? metadata, out string json)
    {
        json = EmptyObjectJson;
        if (metadata is not { } element || element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return $"The metadata must be a JSON object, not {element.ValueKind.ToString().ToLowerInvariant()}.";
        }

        if (FindBrokenText(element, "$") is { } path)
        {
            return $"The metadata must not contain NUL characters or unpaired surrogates (at {path}).";
        }

        var compact = JsonSerializer.Serialize(element);
        if (compact.Length > MailingLimits.MaxMetadataLength)
        {
            return $"The metadata must be at most {MailingLimits.MaxMetadataLength} characters of JSON.";
        }

        json = compact;
        return null;
    }

    /// <summary>Dot-atom local parts: RFC 5322 atext in ASCII, letters and digits of one script beyond it.</summary>
    private static string? CheckLocalPart(string local)
    {
        if (local.Length > MaxLocalPartLength)
        {
            return $"The part before '@' must be at most {MaxLocalPartLength} characters.";
        }

        if (local.StartsWith("=?", StringComparison.Ordinal) && local.EndsWith("?=", StringComparison.Ordinal))
        {
            return "The part before '@' must not be an encoded word (=?charset?…?=).";
        }

        if (local[0] == '.' || local[^1] == '.' || local.Contains("..", StringComparison.Ordinal)
            || !local.All(c => c < 128 ? char.IsAsciiLetterOrDigit(c) || c == '.' || AtomSpecials.Contains(c, StringComparison.Ordinal) : char.IsLetterOrDigit(c) || char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark))
        {
            return "The part before '@' may hold letters, digits and !#$%&'*+-/=?^_`{|}~, with single dots between them.";
        }

        return MixesScripts(local) ? "The part before '@' mixes letters of different scripts (a lookalike of another address)." : null;
    }

    /// <summary>The domain in lower-case ASCII without a trailing dot, or null when it is not a valid host name.</summary>
    private static string? NormalizeDomain(string domain)
    {
        if (domain.EndsWith('.'))
        {
            domain = domain[..^1];
        }

        if (domain.Length == 0 || domain.StartsWith('[') || domain.Split('.').Any(MixesScripts))
        {
            return null;
        }

        try
        {
            // Most domains are ASCII already; IDNs become punycode (with the same label rules).
            var ascii = (domain.All(char.IsAscii) ? domain : new IdnMapping { UseStd3AsciiRules = true }.GetAscii(domain)).ToLowerInvariant();
            return ascii.Length <= MailingLimits.MaxEmailLength && ascii.Split('.').All(l => l.Length is > 0 and <= 63 && l[0] != '-' && l[^1] != '-' && l.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
                ? ascii
                : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Whether the letters of <paramref name="text"/> come from more than one script (Latin, Greek, Cyrillic, or another block).</summary>
    private static bool MixesScripts(string text)
    {
        int? script = null;
        foreach (var c in text)
        {
            if (!char.IsLetter(c))
            {
                continue;
            }

            var current = c switch
            {
                <= '\u024F' or (>= '\u1E00' and <= '\u1EFF') => 0, // Latin
                (>= '\u0370' and <= '\u03FF') or (>= '\u1F00' and <= '\u1FFF') => 1, // Greek
                >= '\u0400' and <= '\u052F' => 2, // Cyrillic
                _ => 3 + (c >> 7), // other scripts, by block
            };
            if (script is { } first && first != current)
            {
                return true;
            }

            script = current;
        }

        return false;
    }

    /// <summary>
    /// Normalizes a phone number to E.164: <c>+</c> and 8–15 digits (not starting with 0), or 11 digits
    /// starting with 7 (the Russian national form <c>7XXXXXXXXXX</c>, read as <c>+7XXXXXXXXXX</c>). Spaces, dashes, dots
    /// and parentheses are ignored.
    /// </summary>
    public static string? CheckPhone(string phone, out string normalized)
    {
        normalized = string.Empty;
        if (!TryDigits(phone, out var plus, out var digits))
        {
            return $"'{Truncate(phone)}' is not a phone number: use digits with an optional leading '+'.";
        }

        if (plus && digits.Length is >= 8 and <= 15 && digits[0] != '0')
        {
            normalized = "+" + digits;
            return null;
        }

        if (!plus && digits.Length == 11 && digits[0] == '7')
        {
            normalized = "+" + digits;
            return null;
        }

        return $"'{Truncate(phone)}' is not a phone number in international form: '+', the country code and the number, 8 to 15 digits in all (e.g. +79161234567).";
    }

    /// <summary>Normalizes a phone prefix (a country or operator code such as <c>7916</c> or <c>+1</c>) to <c>+digits</c>.</summary>
    public static string? CheckPhonePrefix(string? prefix, out string normalized)
    {
        normalized = string.Empty;
        if (prefix is null || !TryDigits(prefix, out _, out var digits) || digits.Length is 0 or > 15 || digits[0] == '0')
        {
            return $"'{Truncate(prefix ?? "null")}' is not a phone prefix: 1 to 15 digits with an optional leading '+', not starting with 0.";
        }

        normalized = "+" + digits;
        return null;
    }

    /// <summary>Checks an IANA time zone id (<c>Europe/Moscow</c>); Windows ids are not accepted.</summary>
    public static string? CheckTimeZone(string? timeZone)
    {
        if (timeZone is null)
        {
            return null;
        }

        return timeZone.Length is > 0 and <= MailingLimits.MaxTimeZoneLength && !HasControlChars(timeZone)
            && TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone) && zone.HasIanaId
            ? null
            : $"'{Truncate(timeZone)}' is not an IANA time zone id (e.g. Europe/Moscow or America/New_York).";
    }

    public static string? CheckTag(string? tag) =>
        string.IsNullOrWhiteSpace(tag) ? "A tag must not be empty."
        : tag.Length > MailingLimits.MaxTagLength ? $"A tag must be at most {MailingLimits.MaxTagLength} characters."
        : HasControlChars(tag) || tag.Trim().Length != tag.Length ? "A tag must not contain control characters or leading/trailing spaces."
        : null;

    public static string? CheckExternalId(string? externalId) =>
        externalId is null ? null : CheckKey(externalId, "external id", MailingLimits.MaxExternalIdLength);

    /// <summary>Attribute names used in filters: letters, digits, '_' and '-' (they end up in JSON paths).</summary>
    public static string? CheckAttributeName(string? name) =>
        string.IsNullOrEmpty(name) || name.Length > MailingLimits.MaxAttributeNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            ? $"An attribute name must be 1 to {MailingLimits.MaxAttributeNameLength} letters, digits, '_' or '-'."
            : null;

    private static bool TryDigits(string value, out bool plus, out string digits)
    {
        plus = false;
        var buffer = new System.Text.StringBuilder(value.Length);
        foreach (var c in value.Trim())
        {
            if (char.IsAsciiDigit(c))
            {
                buffer.Append(c);
            }
            else if (c == '+' && !plus && buffer.Length == 0)
            {
                plus = true;
            }
            else if (c is not (' ' or '-' or '(' or ')' or '.'))
            {
                digits = string.Empty;
                return false;
            }
        }

        digits = buffer.ToString();
        return true;
    }

    private static string? CheckKey(string? key, string what, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return $"The {what} is required.";
        }

        if (key.Length > maxLength)
        {
            return $"The {what} must be at most {maxLength} characters.";
        }

        if (HasControlChars(key) || key.Any(char.IsWhiteSpace))
        {
            return $"The {what} must not contain spaces or control characters.";
        }

        return null;
    }

    /// <summary>Control characters, and unpaired surrogates (text no store or JSON writer can hold).</summary>
    private static bool HasControlChars(string value) => value.Any(char.IsControl) || HasUnpairedSurrogate(value);

    /// <summary>Whether <paramref name="value"/> holds half of a surrogate pair: valid JSON (<c>"\ud800"</c>), but not text.</summary>
    public static bool HasUnpairedSurrogate(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The path of the first property name or string in <paramref name="element"/> with a NUL or an unpaired surrogate.</summary>
    private static string? FindBrokenText(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return Text(() => element.GetString()) is null ? path : null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindBrokenText(item, $"{path}[{index++}]") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (Text(() => property.Name) is not { } name)
                    {
                        return $"{path}.?";
                    }

                    if (FindBrokenText(property.Value, $"{path}.{Truncate(name)}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }

        // The text, or null when it holds a NUL or an unpaired surrogate (JsonElement refuses to decode the latter).
        static string? Text(Func<string?> read)
        {
            try
            {
                var text = read() ?? string.Empty;
                return text.Contains('\0', StringComparison.Ordinal) || HasUnpairedSurrogate(text) ? null : text;
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// An over-long or broken value as an invalid item echoes it: at most one character more than
    /// <paramref name="maxLength"/> (so it can never equal a valid value) and with unpaired surrogates replaced.
    /// </summary>
    public static string? Echo(string? value, int maxLength)
    {
        if (value is null)
        {
            return null;
        }

        var cut = value.Length <= maxLength ? value : string.Concat(value.AsSpan(0, maxLength), "…");
        if (!HasUnpairedSurrogate(cut))
        {
            return cut;
        }

        var chars = cut.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }

        return new string(chars);
    }

    private static string Truncate(string value) => Echo(value.Length <= 64 ? value : string.Concat(value.AsSpan(0, 61), "..."), 64)!;

    /// <summary>Checks a text value compared with stored text (an attribute filter): no NUL, no unpaired surrogate.</summary>
    public static string? CheckFilterText(string value) =>
        value.Contains('\0', StringComparison.Ordinal) || HasUnpairedSurrogate(value)
            ? "The value must not contain NUL characters or unpaired surrogates."
            : null;
}
