using Mailing.Stores;

namespace Mailing.Store.EfCore.Stores;

/// <summary>
/// How one member item of a bulk upsert or reconcile is judged; the batched and the PostgreSQL
/// set-based paths both follow these rules, so they report the same outcomes.
/// </summary>
/// <remarks>
/// Each item is judged against the list as it was before the request, looking at two rows: the
/// membership with the item's source key and the membership of the item's contact. Each existing
/// row may be changed by one item only; the first item in request order that changes a row claims
/// it, and a later item that needs the same row is reported as a duplicate (of the source key or
/// the contact) instead of overwriting it.
/// </remarks>
internal static class MembershipRules
{
    /// <summary>An existing membership row, as the rules see it.</summary>
    public readonly record struct Row(Guid Id, string SourceObjectKey, Guid ContactId, string EmailSnapshot, string Metadata, bool Active, bool Claimed);

    /// <summary>The decision: the outcome, the row the item changes (if any), and why it was skipped.</summary>
    public readonly record struct Verdict(MemberOutcome Outcome, Guid? RowId = null, string? Error = null);

    public static Verdict Decide(MemberWrite item, Guid? contactId, Row? byKey, Row? byContact)
    {
        if (byContact is { } held && held.Id != byKey?.Id)
        {
            if (held.Active)
            {
                return new Verdict(MemberOutcome.DuplicateContact, Error: ActiveElsewhere(item.Email!, held.SourceObjectKey));
            }

            if (held.Claimed)
            {
                return new Verdict(MemberOutcome.DuplicateContact, Error: ClaimedContact(item.Email!, held.SourceObjectKey));
            }

            return byKey is null
                ? new Verdict(MemberOutcome.Reactivated, held.Id)
                : new Verdict(MemberOutcome.DuplicateContact, Error: RemovedElsewhere(item.Email!, held.SourceObjectKey, item.SourceObjectKey!));
        }

        if (byKey is not { } row)
        {
            return new Verdict(MemberOutcome.Added);
        }

        if (row.Claimed)
        {
            return new Verdict(MemberOutcome.DuplicateSourceKey, Error: ClaimedKey(item.SourceObjectKey!));
        }

        if (!row.Active)
        {
            return new Verdict(MemberOutcome.Reactivated, row.Id);
        }

        var changed = row.ContactId != contactId || row.EmailSnapshot != item.Email || row.Metadata != item.MetadataJson;
        return changed ? new Verdict(MemberOutcome.Updated, row.Id) : new Verdict(MemberOutcome.Unchanged);
    }

    public static string RepeatedKey(string key) =>
        $"Source key '{key}' appears earlier in this request; the first occurrence was used.";

    public static string RepeatedEmail(string email) =>
        $"Email '{email}' appears earlier in this request under another source key; the first occurrence was used.";

    public static string ActiveElsewhere(string email, string otherKey) =>
        $"Contact '{email}' is already an active member of this list under source key '{otherKey}'.";

    public static string RemovedElsewhere(string email, string otherKey, string key) =>
        $"Contact '{email}' has a removed membership under source key '{otherKey}', and source key '{key}' belongs to another contact.";

    public static string ClaimedContact(string email, string otherKey) =>
        $"Contact '{email}' has a removed membership under source key '{otherKey}' that an earlier item of this request already changed.";

    public static string ClaimedKey(string key) =>
        $"The membership under source key '{key}' was already changed by an earlier item of this request.";
}
