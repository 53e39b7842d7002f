namespace Mailing.Contacts;

/// <summary>
/// Client-scoped contacts: create, read, replace, delete and keyset-paged listing with tag,
/// phone-prefix and status filters. Validates and normalizes every input (email, E.164 phone, IANA time
/// zone, tags, attributes) and throws <see cref="MailingValidationException"/> naming each bad field.
/// </summary>
public interface IContactService
{
    /// <summary>Creates a contact.</summary>
    /// <exception cref="MailingConflictException">Another contact of the scope has the same email, phone or external id.</exception>
    Task<Contact> CreateAsync(MailingScope scope, ContactInput contact, CancellationToken cancellationToken = default);

    /// <summary>Finds a live contact, or returns <see langword="null"/> (also for deleted ones and other clients').</summary>
    Task<Contact?> FindAsync(MailingScope scope, Guid id, CancellationToken cancellationToken = default);

    /// <summary>Replaces every caller-owned field of a contact (omitted fields become empty).</summary>
    /// <exception cref="MailingNotFoundException">The contact does not exist in the scope.</exception>
    /// <exception cref="MailingConflictException">Another contact has the same email, phone or external id.</exception>
    Task<Contact> UpdateAsync(MailingScope scope, Guid id, ContactInput contact, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a contact: it leaves all future audiences and its active list memberships are removed (with
    /// the lists' counters), in one transaction. Past deliveries keep their own recipient snapshot.
    /// </summary>
    /// <exception cref="MailingNotFoundException">The contact does not exist in the scope.</exception>
    Task DeleteAsync(MailingScope scope, Guid id, CancellationToken cancellationToken = default);

    /// <summary>Lists contacts ordered by id (creation order), one keyset page at a time.</summary>
    /// <param name="scope">Client and audience.</param>
    /// <param name="filter">Tag, phone-prefix and status filters, or <see langword="null"/> for all.</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page, or <see langword="null"/> for the first.</param>
    /// <param name="limit">Page size; <see cref="MailingOptions.DefaultPageSize"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    Task<Page<Contact>> ListAsync(MailingScope scope, ContactFilter? filter = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default);
}
