using Mailing.Stores;
using Mailing.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailing.Contacts;

/// <summary>Validates and normalizes input, then hands the work to the configured <see cref="IContactStore"/>.</summary>
internal sealed partial class ContactService(
    IContactStore store,
    IOptions<MailingOptions> options,
    ILogger<ContactService> logger) : IContactService
{
    public async Task<Contact> CreateAsync(MailingScope scope, ContactInput contact, CancellationToken cancellationToken = default)
    {
        var write = Check(scope, contact);
        var created = await store.CreateAsync(scope, write, cancellationToken).ConfigureAwait(false);
        LogContactChanged(scope.ClientId, scope.Audience, created.Id, "created");
        return created;
    }

    public Task<Contact?> FindAsync(MailingScope scope, Guid id, CancellationToken cancellationToken = default)
    {
        CheckScope(scope);
        return store.FindAsync(scope, id, cancellationToken);
    }

    public async Task<Contact> UpdateAsync(MailingScope scope, Guid id, ContactInput contact, CancellationToken cancellationToken = default)
    {
        var write = Check(scope, contact);
        var updated = await store.UpdateAsync(scope, id, write, cancellationToken).ConfigureAwait(false) ?? throw NotFound(id);
        LogContactChanged(scope.ClientId, scope.Audience, id, "updated");
        return updated;
    }

    public async Task DeleteAsync(MailingScope scope, Guid id, CancellationToken cancellationToken = default)
    {
        CheckScope(scope);
        if (!await store.DeleteAsync(scope, id, cancellationToken).ConfigureAwait(false))
        {
            throw NotFound(id);
        }

        LogContactChanged(scope.ClientId, scope.Audience, id, "deleted");
    }

    public async Task<Page<Contact>> ListAsync(
        MailingScope scope, ContactFilter? filter = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        CheckScope(scope);
        var errors = new ValidationErrors();
        var settings = options.Value;
        errors.Check("Limit", limit is < 1 || limit > settings.MaxPageSize ? $"The limit must be between 1 and {settings.MaxPageSize}." : null);
        var tags = new List<string>();
        var prefixes = new List<string>();
        for (var i = 0; i < (filter?.Tags?.Count ?? 0); i++)
        {
            var tag = filter!.Tags![i];
            errors.Check($"Tag[{i}]", InputRules.CheckTag(tag));
            tags.Add(tag);
        }

        for (var i = 0; i < (filter?.PhonePrefixes?.Count ?? 0); i++)
        {
            errors.Check($"PhonePrefix[{i}]", InputRules.CheckPhonePrefix(filter!.PhonePrefixes![i], out var prefix));
            prefixes.Add(prefix);
        }

        Guid? after = null;
        try
        {
            after = PageCursor.Decode(cursor, k => Guid.TryParseExact(k, "N", out _)) is { } key ? Guid.ParseExact(key, "N") : null;
        }
        catch (MailingValidationException ex)
        {
            errors.Check("Cursor", ex.Errors["Cursor"][0]);
        }

        errors.ThrowIfAny();
        var size = limit ?? settings.DefaultPageSize;
        var normalized = new ContactFilter(tags, prefixes, filter?.Status, string.IsNullOrWhiteSpace(filter?.Email) ? null : filter.Email.Trim().ToLowerInvariant());
        var fetched = await store.ListAsync(scope, normalized, after, size + 1, cancellationToken).ConfigureAwait(false);
        return PageCursor.ToPage(fetched, size, c => c.Id.ToString("N"));
    }

    /// <summary>Validates a contact input and returns the normalized write; throws naming every bad field.</summary>
    private static ContactWrite Check(MailingScope scope, ContactInput contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        CheckScope(scope);
        var errors = new ValidationErrors();

        string? email = null, normalizedEmail = null, phone = null;
        if (contact.Email is not null)
        {
            errors.Check("Email", InputRules.CheckEmail(contact.Email, out var trimmed, out var lowered));
            (email, normalizedEmail) = (trimmed, lowered);
        }

        if (contact.Phone is not null)
        {
            errors.Check("Phone", InputRules.CheckPhone(contact.Phone, out var e164));
            phone = e164;
        }

        if (contact.Email is null && contact.Phone is null)
        {
            errors.Check("Email", "An email address or a phone number is required.");
        }

        errors.Check("Name", InputRules.CheckName(contact.Name))
              .Check("TimeZone", InputRules.CheckTimeZone(contact.TimeZone))
              .Check("Attributes", InputRules.CheckMetadata(contact.Attributes, out var attributes) is { } attributesError
                  ? attributesError.Replace("metadata", "attributes", StringComparison.Ordinal)
                  : null)
              .Check("ExternalId", InputRules.CheckExternalId(contact.ExternalId));

        var tags = new List<string>();
        if (contact.Tags is { } given)
        {
            errors.Check("Tags", given.Count > MailingLimits.MaxTagsPerContact ? $"A contact can have at most {MailingLimits.MaxTagsPerContact} tags." : null);
            for (var i = 0; i < given.Count; i++)
            {
                if (InputRules.CheckTag(given[i]) is { } tagError)
                {
                    errors.Check($"Tags[{i}]", tagError);
                }
                else if (!tags.Contains(given[i]!, StringComparer.Ordinal))
                {
                    tags.Add(given[i]!);
                }
            }
        }

        if (contact.Status is { } status && !Enum.IsDefined(status))
        {
            errors.Check("Status", "The status must be active, unsubscribed or suppressed.");
        }

        errors.ThrowIfAny();
        return new ContactWrite(email, normalizedEmail, phone, contact.Name, contact.TimeZone, tags, attributes, contact.Status ?? ContactStatus.Active, contact.ExternalId);
    }

    private static void CheckScope(MailingScope scope)
    {
        if (InputRules.CheckScope(scope) is { } error)
        {
            throw new MailingValidationException("Audience", error);
        }
    }

    private static MailingNotFoundException NotFound(Guid id) => new($"Contact '{id}' does not exist.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Contact {ContactId} of {ClientId}/{Audience} {Change}")]
    private partial void LogContactChanged(string clientId, string audience, Guid contactId, string change);
}
