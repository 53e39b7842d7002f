using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mailing.AspNetCore.RecipientLists;

// Wire shapes of the recipient-list endpoints: public, so clients in .NET can share them. Property names follow
// the host's JSON options (camelCase by default; snake_case with JsonNamingPolicy.SnakeCaseLower).

/// <summary>A list's own fields: <c>PUT /recipient-lists/{key}</c>, and <c>list</c> inside member requests.</summary>
/// <param name="Type">What kind of list (required), e.g. <c>homework_submitters</c>.</param>
/// <param name="Name">Human-readable name; defaults to the key.</param>
/// <param name="Metadata">Free-form JSON object.</param>
public sealed record ListBody(string? Type, string? Name, JsonElement? Metadata)
{
    internal RecipientListDefinition ToDefinition() => new(Type!, Name, Metadata);
}

/// <summary>Body of <c>PUT /recipient-lists/{key}/members/{sourceObjectKey}</c>.</summary>
/// <param name="Email">The member's email address (required).</param>
/// <param name="Name">The contact's name.</param>
/// <param name="Metadata">Free-form JSON object kept on the membership.</param>
/// <param name="List">Fields to create the list with when it does not exist yet.</param>
public sealed record MemberBody(string? Email, string? Name, JsonElement? Metadata, ListBody? List);

/// <summary>One member of a bulk upsert or a reconcile snapshot.</summary>
/// <param name="SourceObjectKey">The source system's key for the object behind the membership (required).</param>
/// <param name="Email">The member's email address (required).</param>
/// <param name="Name">The contact's name.</param>
/// <param name="Metadata">Free-form JSON object kept on the membership.</param>
public sealed record MemberItem(string? SourceObjectKey, string? Email, string? Name, JsonElement? Metadata)
{
    internal MemberInput ToInput() => new(SourceObjectKey, Email, Name, Metadata);
}

/// <summary>Body of <c>POST /recipient-lists/{key}/members/bulk-upsert</c>.</summary>
/// <param name="List">Fields to create the list with when it does not exist yet.</param>
/// <param name="Members">The members to upsert (required).</param>
public sealed record BulkUpsertBody(ListBody? List, IReadOnlyList<MemberItem?>? Members);

/// <summary>Body of <c>POST /recipient-lists/{key}/reconcile</c>.</summary>
/// <param name="List">Fields to create the list with when it does not exist yet.</param>
/// <param name="Members">The complete snapshot of the list's members (required; may be empty).</param>
/// <param name="DryRun">Report what would change, write nothing.</param>
/// <param name="RemoveAbsent">Soft-remove members missing from the snapshot.</param>
public sealed record ReconcileBody(ListBody? List, IReadOnlyList<MemberItem?>? Members, bool DryRun, bool RemoveAbsent);

/// <summary>A recipient list as the API returns it.</summary>
/// <param name="Id">Store id (UUIDv7).</param>
/// <param name="Key">The caller's key, unique per client and audience.</param>
/// <param name="Audience">The audience the list belongs to.</param>
/// <param name="Type">What kind of list, e.g. <c>homework_submitters</c>.</param>
/// <param name="Name">Human-readable name.</param>
/// <param name="Metadata">Free-form JSON object.</param>
/// <param name="MemberCount">Memberships, active or removed.</param>
/// <param name="ActiveMemberCount">Active memberships.</param>
/// <param name="RemovedMemberCount">Soft-removed memberships.</param>
/// <param name="LastReconciledAt">When the last reconcile ran; <see langword="null"/> before the first.</param>
/// <param name="LastReconcileStatus">How the last reconcile ended.</param>
/// <param name="LastReconcileCounts">The last reconcile's per-outcome counts.</param>
/// <param name="CreatedAt">When the list was created.</param>
/// <param name="UpdatedAt">When the list last changed.</param>
public sealed record ListResponse(
    Guid Id,
    string Key,
    string Audience,
    string Type,
    string Name,
    JsonElement Metadata,
    long MemberCount,
    long ActiveMemberCount,
    long RemovedMemberCount,
    DateTimeOffset? LastReconciledAt,
    ReconcileStatus? LastReconcileStatus,
    MemberOutcomeCounts? LastReconcileCounts,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    internal static ListResponse From(RecipientList l) => new(
        l.Id, l.Key, l.Audience, l.Type, l.Name, l.Metadata, l.MemberCount, l.ActiveMemberCount, l.RemovedMemberCount,
        l.LastReconcile?.At, l.LastReconcile?.Status, l.LastReconcile?.Counts, l.CreatedAt, l.UpdatedAt);
}

/// <summary>
/// A membership as the API returns it; a single-member upsert adds what happened
/// (<see cref="Outcome"/>) and the list afterwards (<see cref="List"/>).
/// </summary>
/// <param name="Id">Store id (UUIDv7).</param>
/// <param name="SourceObjectKey">The source system's key for the object behind the membership.</param>
/// <param name="ContactId">The contact the membership reaches.</param>
/// <param name="Email">The address as the member was last upserted with.</param>
/// <param name="Metadata">Free-form JSON object kept on the membership.</param>
/// <param name="Active">Whether the membership is active (not soft-removed).</param>
/// <param name="RemovedAt">When it was soft-removed; <see langword="null"/> while active.</param>
/// <param name="CreatedAt">When the membership was created.</param>
/// <param name="UpdatedAt">When it last changed.</param>
/// <param name="Outcome">What a single-member upsert did; left out elsewhere.</param>
/// <param name="List">The list after a single-member upsert; left out elsewhere.</param>
public sealed record MemberResponse(
    Guid Id,
    string SourceObjectKey,
    Guid ContactId,
    string Email,
    JsonElement Metadata,
    bool Active,
    DateTimeOffset? RemovedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] MemberOutcome? Outcome = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ListResponse? List = null)
{
    internal static MemberResponse From(RecipientListMember m) =>
        new(m.Id, m.SourceObjectKey, m.ContactId, m.EmailSnapshot, m.Metadata, m.Active, m.RemovedAt, m.CreatedAt, m.UpdatedAt);

    internal static MemberResponse From(MemberUpsertResult r) =>
        From(r.Member) with { Outcome = r.Outcome, List = ListResponse.From(r.List) };
}

/// <summary>Result of a bulk upsert or reconcile: counts and one outcome per item.</summary>
/// <param name="List">The list afterwards (<see langword="null"/> when a dry run would create it).</param>
/// <param name="DryRun">Whether nothing was written.</param>
/// <param name="Counts">Per-outcome counts.</param>
/// <param name="Items">One entry per request item in request order, then the removed members (index null).</param>
/// <param name="ItemsSummarized">Whether added and unchanged items were left out of <paramref name="Items"/> (large requests).</param>
public sealed record MembershipChangeResponse(ListResponse? List, bool DryRun, MemberOutcomeCounts Counts, IReadOnlyList<MemberResult> Items, bool ItemsSummarized)
{
    internal static MembershipChangeResponse From(MembershipChangeResult r) =>
        new(r.List is null ? null : ListResponse.From(r.List), r.DryRun, r.Counts, r.Items, r.ItemsSummarized);
}
