using System.Text.Json;

namespace Mailing.AspNetCore.Contacts;

// Wire shapes of the contact endpoints: public, so clients in .NET can share them. Property names follow the
// host's JSON options (camelCase by default; snake_case with JsonNamingPolicy.SnakeCaseLower).

/// <summary>Body of <c>POST /contacts</c> and <c>PUT /contacts/{id}</c> (PUT replaces every field).</summary>
/// <param name="Email">Email address; an email or a phone is required.</param>
/// <param name="Phone">Phone number, normalized to E.164 (<c>79161234567</c> → <c>+79161234567</c>).</param>
/// <param name="Name">Name.</param>
/// <param name="TimeZone">IANA time zone id, e.g. <c>Europe/Moscow</c>.</param>
/// <param name="Tags">Tags.</param>
/// <param name="Attributes">Free-form JSON object (merge fields).</param>
/// <param name="Status"><c>active</c> (default), <c>unsubscribed</c> or <c>suppressed</c>.</param>
/// <param name="ExternalId">Your id for the contact; unique per client and audience.</param>
public sealed record ContactBody(
    string? Email, string? Phone, string? Name, string? TimeZone, IReadOnlyList<string?>? Tags, JsonElement? Attributes, ContactStatus? Status, string? ExternalId)
{
    internal ContactInput ToInput() => new(Email, Phone, Name, TimeZone, Tags, Attributes, Status, ExternalId);
}

/// <summary>A contact as the API returns it.</summary>
/// <param name="Id">Store id (UUIDv7).</param>
/// <param name="Audience">The audience the contact belongs to.</param>
/// <param name="Email">Email address, as given.</param>
/// <param name="Phone">Phone number in E.164 form.</param>
/// <param name="Name">Name.</param>
/// <param name="TimeZone">IANA time zone id.</param>
/// <param name="Tags">Tags.</param>
/// <param name="Attributes">Free-form JSON object (merge fields).</param>
/// <param name="Status"><c>active</c>, <c>unsubscribed</c> or <c>suppressed</c>.</param>
/// <param name="ExternalId">Your id for the contact.</param>
/// <param name="CreatedAt">When the contact was created.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record ContactResponse(
    Guid Id,
    string Audience,
    string? Email,
    string? Phone,
    string? Name,
    string? TimeZone,
    IReadOnlyList<string> Tags,
    JsonElement Attributes,
    ContactStatus Status,
    string? ExternalId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    internal static ContactResponse From(Contact c) =>
        new(c.Id, c.Audience, c.Email, c.Phone, c.Name, c.TimeZone, c.Tags, c.Attributes, c.Status, c.ExternalId, c.CreatedAt, c.UpdatedAt);
}
