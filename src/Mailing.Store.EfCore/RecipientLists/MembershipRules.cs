using Mailing.Stores;

namespace Mailing.Store.EfCore.RecipientLists;

/// <summary>
/// How one member item of a bulk upsert or reconcile is judged. The batched and the PostgreSQL
/// set-based paths both follow these rules, so they report the same outcomes.
/// </summary>
/// <remarks>
/// <para>
/// An item looks at two existing memberships of the list, as they were before the request: the
/// row with its source key, and the row held by its contact. Most items touch only the first; they
/// are judged straight away by <see cref="DecideByKey"/>.
/// </para>
/// <para>
/// An item whose contact holds a membership under <em>another</em> source key is <em>deferred</em>
/// (<see cref="IsDeferred"/>) and judged by <see cref="DecideDeferred"/> once the whole request is
/// known, in request order: if another item moved that membership to a different contact, the
/// contact is free; if the membership is removed, or its source key is absent from a
/// <c>removeAbsent</c> snapshot, it is re-keyed to the item's source key (the source object changed,
/// the person did not); otherwise the item is a duplicate contact.
/// </para>
/// <para>
/// Each existing row is changed by one item at most; a later item needing a row already changed
/// (claimed) is reported as a duplicate instead of overwriting it.
/// </para>
/// </remarks>
internal static class MembershipRules
{
    /// <summary>An existing membership row, as the rules see it.</summary>
    public readonly record struct Row(Guid Id, string SourceObjectKey, Guid ContactId, string EmailSnapshot, string Metadata, bool Active, bool Claimed);

    /// <summary>The decision: the outcome, the row the item changes (if any), and why it was skipped.</summary>
    public readonly record struct Verdict(MemberOutcome Outcome, Guid? RowId = null, string? Error = null);

    /// <summary>Whether the item's contact holds a membership under another source key.</summary>
    public static bool IsDeferred(Row? byKey, Row? byContact) => byContact is { } held && held.Id != byKey?.Id;

    /// <summary>Judges an item by the row with its source key (its contact holds no other membership, or no longer does).</summary>
    public static Verdict DecideByKey(MemberWrite item, Guid? contactId, Row? byKey)
    {
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

    /// <summary>Judges a deferred item once the request's source keys and the rows other items changed are known.</summary>
    /// <param name="item">The item.</param>
    /// <param name="contactId">Its contact.</param>
    /// <param name="byKey">The row with the item's source key, if any.</param>
    /// <param name="held">The row the contact holds under another source key.</param>
    /// <param name="heldKeyInRequest">Whether the held row's source key is named by some item of the request.</param>
    /// <param name="removeAbsent">Whether the request is a snapshot that removes absent members.</param>
    public static Verdict DecideDeferred(MemberWrite item, Guid? contactId, Row? byKey, Row held, bool heldKeyInRequest, bool removeAbsent)
    {
        if (held.Claimed)
        {
            // Another item moved that membership to a different contact: this contact is free.
            return DecideByKey(item, contactId, byKey);
        }

        if (byKey is not null)
        {
            return new Verdict(MemberOutcome.DuplicateContact, Error: held.Active
                ? ActiveElsewhere(item.Email!, held.SourceObjectKey)
                : RemovedElsewhere(item.Email!, held.SourceObjectKey, item.SourceObjectKey!));
        }

        if (!held.Active)
        {
            return new Verdict(MemberOutcome.Reactivated, held.Id);
        }

        return removeAbsent && !heldKeyInRequest
            ? new Verdict(MemberOutcome.Updated, held.Id)
            : new Verdict(MemberOutcome.DuplicateContact, Error: ActiveElsewhere(item.Email!, held.SourceObjectKey));
    }

    public static string RepeatedKey(string key) =>
        $"Source key '{key}' appears earlier in this request; the first occurrence was used.";

    public static string RepeatedEmail(string email) =>
        $"Email '{email}' appears earlier in this request under another source key; the first occurrence was used.";

    public static string ActiveElsewhere(string email, string otherKey) =>
        $"Contact '{email}' is already an active member of this list under source key '{otherKey}'.";

    public static string RemovedElsewhere(string email, string otherKey, string key) =>
        $"Contact '{email}' has a removed membership under source key '{otherKey}', and source key '{key}' belongs to another contact.";

    public static string ClaimedKey(string key) =>
        $"The membership under source key '{key}' was already changed by an earlier item of this request.";
}
