using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mailing.AspNetCore.RecipientLists;

// Wire shapes of the recipient-list endpoints. Property names follow the host's JSON options
// (camelCase by default; snake_case with JsonNamingPolicy.SnakeCaseLower).

/// <summary>A list's own fields: <c>PUT /recipient-lists/{key}</c>, and <c>list</c> inside member requests.</summary>
/// <param name="Type">What kind of list (required), e.g. <c>homework_submitters</c>.</param>
/// <param name="Name">Human-readable name; defaults to the key.</param>
/// <param name="Metadata">Free-form JSON object.</param>
internal sealed record ListBody(string? Type, string? Name, JsonElement? Metadata)
{
    public RecipientListDefinition ToDefinition() => new(Type!, Name, Metadata);
}

/// <summary>Body of <c>PUT /recipient-lists/{key}/members/{sourceObjectKey}</c>.</summary>
/// <param name="Email">The member's email address (required).</param>
/// <param name="Name">The contact's name.</param>
/// <param name="Metadata">Free-form JSON object kept on the membership.</param>
/// <param name="List">Fields to create the list with when it does not exist yet.</param>
internal sealed record MemberBody(string? Email, string? Name, JsonElement? Metadata, ListBody? List);

/// <summary>One member of a bulk upsert or a reconcile snapshot.</summary>
/// <param name="SourceObjectKey">The source system's key for the object behind the membership (required).</param>
/// <param name="Email">The member's email address (required).</param>
/// <param name="Name">The contact's name.</param>
/// <param name="Metadata">Free-form JSON object kept on the membership.</param>
internal sealed record MemberItem(string? SourceObjectKey, string? Email, string? Name, JsonElement? Metadata)
{
    public MemberInput ToInput() => new(SourceObjectKey, Email, Name, Metadata);
}

/// <summary>Body of <c>POST /recipient-lists/{key}/members/bulk-upsert</c>.</summary>
/// <param name="List">Fields to create the list with when it does not exist yet.</param>
/// <param name="Members">The members to upsert (required).</param>
internal sealed record BulkUpsertBody(ListBody? List, IReadOnlyList<MemberItem?>? Members);

/// <summary>Body of <c>POST /recipient-lists/{key}/reconcile</c>.</summary>
/// <param name="List">Fields to create the list with when it does not exist yet.</param>
/// <param name="Members">The complete snapshot of the list's members (required; may be empty).</param>
/// <param name="DryRun">Report what would change, write nothing.</param>
/// <param name="RemoveAbsent">Soft-remove members missing from the snapshot.</param>
internal sealed record ReconcileBody(ListBody? List, IReadOnlyList<MemberItem?>? Members, bool DryRun, bool RemoveAbsent);

/// <summary>A recipient list as the API returns it.</summary>
internal sealed record ListResponse(
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
    public static ListResponse From(RecipientList l) => new(
        l.Id, l.Key, l.Audience, l.Type, l.Name, l.Metadata, l.MemberCount, l.ActiveMemberCount, l.RemovedMemberCount,
        l.LastReconcile?.At, l.LastReconcile?.Status, l.LastReconcile?.Counts, l.CreatedAt, l.UpdatedAt);
}

/// <summary>
/// A membership as the API returns it; a single-member upsert adds what happened
/// (<see cref="Outcome"/>) and the list afterwards (<see cref="List"/>).
/// </summary>
internal sealed record MemberResponse(
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
    public static MemberResponse From(RecipientListMember m) =>
        new(m.Id, m.SourceObjectKey, m.ContactId, m.EmailSnapshot, m.Metadata, m.Active, m.RemovedAt, m.CreatedAt, m.UpdatedAt);

    public static MemberResponse From(MemberUpsertResult r) =>
        From(r.Member) with { Outcome = r.Outcome, List = ListResponse.From(r.List) };
}

/// <summary>Result of a bulk upsert or reconcile: counts and one outcome per item.</summary>
/// <param name="List">The list afterwards (<see langword="null"/> when a dry run would create it).</param>
/// <param name="DryRun">Whether nothing was written.</param>
/// <param name="Counts">Per-outcome counts.</param>
/// <param name="Items">One entry per request item in request order, then the removed members (index null).</param>
/// <param name="ItemsSummarized">Whether added and unchanged items were left out of <paramref name="Items"/> (large requests).</param>
internal sealed record MembershipChangeResponse(ListResponse? List, bool DryRun, MemberOutcomeCounts Counts, IReadOnlyList<MemberResult> Items, bool ItemsSummarized)
{
    public static MembershipChangeResponse From(MembershipChangeResult r) =>
        new(r.List is null ? null : ListResponse.From(r.List), r.DryRun, r.Counts, r.Items, r.ItemsSummarized);
}

/// <summary>One keyset page.</summary>
/// <param name="Items">The page's items.</param>
/// <param name="NextCursor">Pass as <c>?cursor=</c> for the next page; <see langword="null"/> on the last page.</param>
internal sealed record PageResponse<T>(IReadOnlyList<T> Items, string? NextCursor);
