using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mailing;

/// <summary>A person Mailing can reach, by email and/or phone, inside one client and audience.</summary>
public sealed record Contact
{
    /// <summary>Store id (UUIDv7, so ids grow with creation time).</summary>
    public required Guid Id { get; init; }

    /// <summary>The owning client.</summary>
    public required string ClientId { get; init; }

    /// <summary>The audience the contact lives in.</summary>
    public required string Audience { get; init; }

    /// <summary>The email address as supplied (trimmed); unique per client and audience, compared case-insensitively.</summary>
    public string? Email { get; init; }

    /// <summary>The phone number in E.164 form (<c>+79161234567</c>); unique per client and audience.</summary>
    public string? Phone { get; init; }

    /// <summary>The contact's name, a merge field.</summary>
    public string? Name { get; init; }

    /// <summary>The IANA time zone (e.g. <c>Europe/Moscow</c>) send windows are evaluated in; <see langword="null"/> for UTC.</summary>
    public string? TimeZone { get; init; }

    /// <summary>Tags, distinct, in the order given.</summary>
    public required IReadOnlyList<string> Tags { get; init; }

    /// <summary>Free-form JSON object; its properties are merge fields and can be filtered on.</summary>
    public required JsonElement Attributes { get; init; }

    /// <summary>Whether the contact may receive mail.</summary>
    public required ContactStatus Status { get; init; }

    /// <summary>The caller's id for the contact, unique per client and audience when set.</summary>
    public string? ExternalId { get; init; }

    /// <summary>When the contact was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the contact last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>Whether a contact may receive mail. Only <see cref="Active"/> contacts are ever in an audience.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ContactStatus>))]
public enum ContactStatus
{
    /// <summary>Receives mail.</summary>
    [JsonStringEnumMemberName("active")]
    Active,

    /// <summary>Asked not to receive mail; kept so a later import does not re-subscribe them silently.</summary>
    [JsonStringEnumMemberName("unsubscribed")]
    Unsubscribed,

    /// <summary>Blocked (bounced, complained or suppressed by an operator).</summary>
    [JsonStringEnumMemberName("suppressed")]
    Suppressed,
}

/// <summary>A contact's caller-owned fields, for create and (full) replace.</summary>
/// <param name="Email">Email address; at least one of <paramref name="Email"/> and <paramref name="Phone"/> is required.</param>
/// <param name="Phone">Phone number: <c>+</c> and 8–15 digits, or 11 digits starting with 7 (read as <c>+7…</c>); spaces, dashes and parentheses are ignored.</param>
/// <param name="Name">Name.</param>
/// <param name="TimeZone">IANA time zone id.</param>
/// <param name="Tags">Tags.</param>
/// <param name="Attributes">A JSON object.</param>
/// <param name="Status">Status; <see cref="ContactStatus.Active"/> when omitted.</param>
/// <param name="ExternalId">The caller's id for the contact.</param>
public sealed record ContactInput(
    string? Email = null,
    string? Phone = null,
    string? Name = null,
    string? TimeZone = null,
    IReadOnlyList<string?>? Tags = null,
    JsonElement? Attributes = null,
    ContactStatus? Status = null,
    string? ExternalId = null);

/// <summary>Narrows a contact listing. Empty collections filter nothing.</summary>
/// <param name="Tags">Contacts having any of these tags.</param>
/// <param name="PhonePrefixes">Contacts whose E.164 phone starts with any of these prefixes (country or operator codes, e.g. <c>7916</c>).</param>
/// <param name="Status">Only contacts in this status.</param>
/// <param name="Email">Only the contact with this email address (compared case-insensitively, surrounding spaces ignored).</param>
public sealed record ContactFilter(IReadOnlyList<string>? Tags = null, IReadOnlyList<string>? PhonePrefixes = null, ContactStatus? Status = null, string? Email = null);
