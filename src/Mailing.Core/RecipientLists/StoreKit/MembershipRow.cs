namespace Mailing.RecipientLists.StoreKit;

/// <summary>An existing membership row of the list, as <see cref="MembershipRules"/> see it: as it was before the request.</summary>
/// <param name="Id">The row's id.</param>
/// <param name="SourceObjectKey">Its source key.</param>
/// <param name="ContactId">The contact it belongs to.</param>
/// <param name="EmailSnapshot">The address it was written with.</param>
/// <param name="Metadata">Its metadata (compact JSON object text).</param>
/// <param name="Active">Whether it is active (not soft-removed).</param>
/// <param name="Claimed">Whether an earlier item of the request already changed it.</param>
public readonly record struct MembershipRow(Guid Id, string SourceObjectKey, Guid ContactId, string EmailSnapshot, string Metadata, bool Active, bool Claimed);

/// <summary>What <see cref="MembershipRules"/> decided for one item.</summary>
/// <param name="Outcome">The item's outcome.</param>
/// <param name="RowId">The existing row the item changes (updated, reactivated or re-keyed), if any.</param>
/// <param name="Error">Why the item was skipped, for the duplicate outcomes.</param>
public readonly record struct MembershipVerdict(MemberOutcome Outcome, Guid? RowId = null, string? Error = null)
{
    /// <summary>Whether the item writes a row: a new one (added) or <see cref="RowId"/> (updated, reactivated).</summary>
    public bool Writes => Outcome is MemberOutcome.Added or MemberOutcome.Updated or MemberOutcome.Reactivated;
}
