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
