namespace Mailing.Stores;

/// <summary>
/// Persists contacts. The Core service validates and normalizes every input first, so a store
/// trusts its arguments; each call is one transaction, scoped by <see cref="MailingScope"/>.
/// Deleted contacts are invisible to every method.
/// </summary>
public interface IContactStore
{
    /// <summary>Creates a contact.</summary>
    /// <exception cref="MailingConflictException">The email, phone or external id is taken in the scope (the field is named).</exception>
    Task<Contact> CreateAsync(MailingScope scope, ContactWrite contact, CancellationToken cancellationToken);

    /// <summary>Finds a contact, or returns <see langword="null"/>.</summary>
    Task<Contact?> FindAsync(MailingScope scope, Guid id, CancellationToken cancellationToken);

    /// <summary>Replaces a contact's fields; returns <see langword="null"/> when it does not exist.</summary>
    /// <exception cref="MailingConflictException">The email, phone or external id is taken by another contact.</exception>
    Task<Contact?> UpdateAsync(MailingScope scope, Guid id, ContactWrite contact, CancellationToken cancellationToken);

    /// <summary>
    /// Soft-deletes a contact: it leaves every future audience, its email, phone and external id are
    /// released for reuse, and its active list memberships are removed with the lists' counters adjusted,
    /// all in one transaction. Returns whether the contact existed.
    /// </summary>
    Task<bool> DeleteAsync(MailingScope scope, Guid id, CancellationToken cancellationToken);

    /// <summary>Returns up to <paramref name="limit"/> contacts matching <paramref name="filter"/>, ordered by id, after <paramref name="afterId"/>.</summary>
    Task<IReadOnlyList<Contact>> ListAsync(MailingScope scope, ContactFilter filter, Guid? afterId, int limit, CancellationToken cancellationToken);
}

/// <summary>A validated, normalized contact, as a store receives it.</summary>
/// <param name="Email">Trimmed email, or <see langword="null"/>.</param>
/// <param name="NormalizedEmail">Lower-case comparison form of <paramref name="Email"/>.</param>
/// <param name="Phone">E.164 phone, or <see langword="null"/>.</param>
/// <param name="Name">Name.</param>
/// <param name="TimeZone">IANA time zone id.</param>
/// <param name="Tags">Distinct tags.</param>
/// <param name="AttributesJson">Compact JSON object text.</param>
/// <param name="Status">Status.</param>
/// <param name="ExternalId">The caller's id.</param>
public sealed record ContactWrite(
    string? Email,
    string? NormalizedEmail,
    string? Phone,
    string? Name,
    string? TimeZone,
    IReadOnlyList<string> Tags,
    string AttributesJson,
    ContactStatus Status,
    string? ExternalId);
