namespace Mailing.RecipientLists.StoreKit;

/// <summary>
/// How one member item of a bulk upsert or reconcile is judged. Every store path follows these rules
/// (a set-based path states them in its own query language, citing the rule it follows), so all
/// report the same outcomes.
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
public static class MembershipRules
{
    /// <summary>Whether the item's contact holds a membership under another source key.</summary>
    /// <param name="byKey">The row with the item's source key, if any.</param>
    /// <param name="byContact">The row the item's contact holds, if any.</param>
    public static bool IsDeferred(MembershipRow? byKey, MembershipRow? byContact) => byContact is { } held && held.Id != byKey?.Id;

    /// <summary>
    /// Whether an active row written for another item changes when <paramref name="item"/> is written over it:
    /// another contact, another address or other metadata. Otherwise the item leaves it unchanged.
    /// </summary>
    /// <param name="row">The row.</param>
    /// <param name="contactId">The item's contact.</param>
    /// <param name="item">The item.</param>
    public static bool Changes(MembershipRow row, Guid? contactId, ValidMember item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return row.ContactId != contactId
            || !string.Equals(row.EmailSnapshot, item.Email, StringComparison.Ordinal)
            || !string.Equals(row.Metadata, item.MetadataJson, StringComparison.Ordinal);
    }

    /// <summary>Judges an item by the row with its source key (its contact holds no other membership, or no longer does).</summary>
    /// <param name="item">The item.</param>
    /// <param name="contactId">Its contact (none in a dry run that would create it).</param>
    /// <param name="byKey">The row with the item's source key, if any.</param>
    public static MembershipVerdict DecideByKey(ValidMember item, Guid? contactId, MembershipRow? byKey)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (byKey is not { } row)
        {
            return new MembershipVerdict(MemberOutcome.Added);
        }

        if (row.Claimed)
        {
            return new MembershipVerdict(MemberOutcome.DuplicateSourceKey, Error: ClaimedKey(item.SourceObjectKey));
        }

        if (!row.Active)
        {
            return new MembershipVerdict(MemberOutcome.Reactivated, row.Id);
        }

        return Changes(row, contactId, item) ? new MembershipVerdict(MemberOutcome.Updated, row.Id) : new MembershipVerdict(MemberOutcome.Unchanged);
    }

    /// <summary>Judges a deferred item once the request's source keys and the rows other items changed are known.</summary>
    /// <param name="item">The item.</param>
    /// <param name="contactId">Its contact.</param>
    /// <param name="byKey">The row with the item's source key, if any.</param>
    /// <param name="held">The row the contact holds under another source key.</param>
    /// <param name="heldKeyInRequest">Whether the held row's source key is named by some item of the request.</param>
    /// <param name="removeAbsent">Whether the request is a snapshot that removes absent members.</param>
    public static MembershipVerdict DecideDeferred(ValidMember item, Guid? contactId, MembershipRow? byKey, MembershipRow held, bool heldKeyInRequest, bool removeAbsent)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (held.Claimed)
        {
            // Another item moved that membership to a different contact: this contact is free.
            return DecideByKey(item, contactId, byKey);
        }

        if (byKey is not null)
        {
            return new MembershipVerdict(MemberOutcome.DuplicateContact, Error: held.Active
                ? ActiveElsewhere(item.Email, held.SourceObjectKey)
                : RemovedElsewhere(item.Email, held.SourceObjectKey, item.SourceObjectKey));
        }

        if (!held.Active)
        {
            return new MembershipVerdict(MemberOutcome.Reactivated, held.Id);
        }

        return removeAbsent && !heldKeyInRequest
            ? new MembershipVerdict(MemberOutcome.Updated, held.Id)
            : new MembershipVerdict(MemberOutcome.DuplicateContact, Error: ActiveElsewhere(item.Email, held.SourceObjectKey));
    }

    /// <summary>The error of an item whose source key an earlier item of the request has.</summary>
    public static string RepeatedKey(string key) =>
        $"Source key '{key}' appears earlier in this request; the first occurrence was used.";

    /// <summary>The error of an item whose address an earlier item of the request has under another source key.</summary>
    public static string RepeatedEmail(string email) =>
        $"Email '{email}' appears earlier in this request under another source key; the first occurrence was used.";

    /// <summary>The error of an item whose contact is an active member under another source key.</summary>
    public static string ActiveElsewhere(string email, string otherKey) =>
        $"Contact '{email}' is already an active member of this list under source key '{otherKey}'.";

    /// <summary>The error of an item whose contact holds a removed membership it cannot take back.</summary>
    public static string RemovedElsewhere(string email, string otherKey, string key) =>
        $"Contact '{email}' has a removed membership under source key '{otherKey}', and source key '{key}' belongs to another contact.";

    /// <summary>The error of an item needing a row an earlier item of the request already changed.</summary>
    public static string ClaimedKey(string key) =>
        $"The membership under source key '{key}' was already changed by an earlier item of this request.";
}
