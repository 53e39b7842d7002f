namespace Mailing.Store.EfCore.Entities;

// Row types of the EF Core store. Every table leads with client_id: the primary keys are
// (client_id, id) and every unique and lookup index starts with client_id, so a host can
// partition or distribute the tables by tenant without a schema change.

/// <summary>A contact (<c>mailing_contacts</c>).</summary>
internal sealed class ContactEntity
{
    public required string ClientId { get; set; }
    public Guid Id { get; set; }
    public required string Audience { get; set; }
    public string? Email { get; set; }
    public string? NormalizedEmail { get; set; }
    public string? Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    // Added with contacts. Every one is nullable or has a database default, because the
    // recipient-list paths insert contacts with only the columns above.
    public string? Phone { get; set; }
    public string? TimeZone { get; set; }

    /// <summary>JSON array text of the tags, for reading; filtering uses <see cref="ContactTagEntity"/>. Null = none.</summary>
    public string? Tags { get; set; }

    /// <summary>JSON object text; null = <c>{}</c>.</summary>
    public string? Attributes { get; set; }

    /// <summary>"active", "unsubscribed" or "suppressed" (database default "active").</summary>
    public string Status { get; set; } = ContactStatuses.Active;

    public string? ExternalId { get; set; }

    /// <summary>Set when the contact is deleted; deleted contacts are in no audience and invisible to the API.</summary>
    public DateTimeOffset? DeletedAt { get; set; }
}

/// <summary>The stored spellings of <see cref="ContactStatus"/>.</summary>
internal static class ContactStatuses
{
    public const string Active = "active";
    public const string Unsubscribed = "unsubscribed";
    public const string Suppressed = "suppressed";

    public static string ToStored(ContactStatus status) => status switch
    {
        ContactStatus.Active => Active,
        ContactStatus.Unsubscribed => Unsubscribed,
        ContactStatus.Suppressed => Suppressed,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown contact status."),
    };

    public static ContactStatus FromStored(string? status) => status switch
    {
        Unsubscribed => ContactStatus.Unsubscribed,
        Suppressed => ContactStatus.Suppressed,
        _ => ContactStatus.Active,
    };
}

/// <summary>One tag of a contact (<c>mailing_contact_tags</c>): lets every provider filter "any of these tags" in SQL.</summary>
internal sealed class ContactTagEntity
{
    public required string ClientId { get; set; }
    public Guid ContactId { get; set; }
    public required string Tag { get; set; }
}

/// <summary>A recipient list (<c>mailing_recipient_lists</c>).</summary>
internal sealed class RecipientListEntity
{
    public required string ClientId { get; set; }
    public Guid Id { get; set; }
    public required string Audience { get; set; }
    public required string Key { get; set; }
    public required string Type { get; set; }
    public required string Name { get; set; }
    public required string Metadata { get; set; }
    public long MemberCount { get; set; }
    public long ActiveMemberCount { get; set; }
    public DateTimeOffset? LastReconciledAt { get; set; }
    public string? LastReconcileStatus { get; set; }
    public string? LastReconcileSummary { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A membership (<c>mailing_recipient_list_members</c>).</summary>
internal sealed class RecipientListMemberEntity
{
    public required string ClientId { get; set; }
    public Guid Id { get; set; }
    public Guid ListId { get; set; }
    public Guid ContactId { get; set; }
    public required string EmailSnapshot { get; set; }
    public required string SourceObjectKey { get; set; }
    public required string Metadata { get; set; }
    public bool Active { get; set; }
    public DateTimeOffset? RemovedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
