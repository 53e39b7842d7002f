namespace Mailing;

/// <summary>
/// The limits of Mailing's input, in one place: Core's validation rejects what exceeds them (naming the field),
/// the stores size their columns by them, and the HTTP endpoints check the client id against them. Lengths are
/// in UTF-16 characters, as <see cref="string.Length"/> counts them.
/// </summary>
public static class MailingLimits
{
    /// <summary>The longest client (tenant) id: 128.</summary>
    public const int MaxClientIdLength = 128;

    /// <summary>The longest audience name: 64.</summary>
    public const int MaxAudienceLength = 64;

    /// <summary>The longest recipient-list key: 200.</summary>
    public const int MaxListKeyLength = 200;

    /// <summary>The longest list type: 100.</summary>
    public const int MaxListTypeLength = 100;

    /// <summary>The longest source object key of a membership: 256.</summary>
    public const int MaxSourceObjectKeyLength = 256;

    /// <summary>The longest name of a list, a contact or a campaign: 500.</summary>
    public const int MaxNameLength = 500;

    /// <summary>The longest email address (RFC 5321's path limit less the angle brackets): 254.</summary>
    public const int MaxEmailLength = 254;

    /// <summary>The longest phone number, in E.164 form with its <c>+</c>: 16.</summary>
    public const int MaxPhoneLength = 16;

    /// <summary>The longest IANA time zone id: 64.</summary>
    public const int MaxTimeZoneLength = 64;

    /// <summary>The longest external id of a contact: 200.</summary>
    public const int MaxExternalIdLength = 200;

    /// <summary>The longest tag: 64.</summary>
    public const int MaxTagLength = 64;

    /// <summary>The most tags one contact has: 50.</summary>
    public const int MaxTagsPerContact = 50;

    /// <summary>The longest attribute name (letters, digits, <c>_</c> and <c>-</c>): 64.</summary>
    public const int MaxAttributeNameLength = 64;

    /// <summary>The longest metadata or attributes object, as compact JSON text: 16 KiB.</summary>
    public const int MaxMetadataLength = 16 * 1024;

    /// <summary>The most lists, tags or phone prefixes one audience selection names: 100.</summary>
    public const int MaxSelectionItems = 100;

    /// <summary>The most attributes one audience selection filters on: 20.</summary>
    public const int MaxSelectionAttributes = 20;

    /// <summary>The longest correlation id of a campaign: 200.</summary>
    public const int MaxCorrelationIdLength = 200;

    /// <summary>The longest subject template of a campaign: 2,000.</summary>
    public const int MaxSubjectTemplateLength = 2_000;

    /// <summary>The longest body template of a campaign: 256 Ki characters.</summary>
    public const int MaxBodyTemplateLength = 256 * 1024;

    /// <summary>The highest send rate a campaign may ask for, in messages per second: 100,000.</summary>
    public const int MaxMessagesPerSecond = 100_000;

    /// <summary>The longest provider name of a delivery event (<c>mailgun</c>): 64.</summary>
    public const int MaxProviderNameLength = 64;

    /// <summary>The longest id a provider gives an event or a message: 256.</summary>
    public const int MaxProviderIdLength = 256;

    /// <summary>
    /// The longest diagnostic text kept (an event's description or MTA response, a delivery's last error, a campaign's
    /// status reason): 2,000. Longer text is cut, not rejected.
    /// </summary>
    public const int MaxDiagnosticTextLength = 2_000;
}
