using System.Text.Json.Serialization;

namespace Mailing;

/// <summary>The outcome of one member of a bulk upsert or reconcile.</summary>
/// <param name="Index">Zero-based position in the request, or <see langword="null"/> for a member removed because it was absent.</param>
/// <param name="SourceObjectKey">The item's source key, as given (may be null or blank for an invalid item).</param>
/// <param name="Outcome">What happened.</param>
/// <param name="ContactId">The contact the item resolved to, when known (a dry run reports none for contacts it would create).</param>
/// <param name="Error">Why the item was skipped, for the duplicate and invalid outcomes.</param>
public sealed record MemberResult(int? Index, string? SourceObjectKey, MemberOutcome Outcome, Guid? ContactId = null, string? Error = null);

/// <summary>Per-outcome counts of a bulk upsert or reconcile.</summary>
public sealed record MemberOutcomeCounts
{
    /// <summary>Items received in the request.</summary>
    public int Received { get; init; }

    /// <summary>Members added.</summary>
    public int Added { get; init; }

    /// <summary>Members updated.</summary>
    public int Updated { get; init; }

    /// <summary>Members reactivated.</summary>
    public int Reactivated { get; init; }

    /// <summary>Members already up to date.</summary>
    public int Unchanged { get; init; }

    /// <summary>Members soft-removed as absent from the snapshot.</summary>
    public int Removed { get; init; }

    /// <summary>Items skipped because their contact is active under another source key.</summary>
    public int DuplicateContact { get; init; }

    /// <summary>Items skipped because their source key appeared earlier in the request.</summary>
    public int DuplicateSourceKey { get; init; }

    /// <summary>Items skipped as invalid.</summary>
    public int Invalid { get; init; }

    /// <summary>Whether any item was skipped (duplicate or invalid).</summary>
    [JsonIgnore]
    public bool HasErrors => DuplicateContact + DuplicateSourceKey + Invalid > 0;

    /// <summary>Returns the counts with <paramref name="count"/> more items of <paramref name="outcome"/>.</summary>
    public MemberOutcomeCounts With(MemberOutcome outcome, int count = 1) => outcome switch
    {
        MemberOutcome.Added => this with { Added = Added + count },
        MemberOutcome.Updated => this with { Updated = Updated + count },
        MemberOutcome.Reactivated => this with { Reactivated = Reactivated + count },
        MemberOutcome.Unchanged => this with { Unchanged = Unchanged + count },
        MemberOutcome.Removed => this with { Removed = Removed + count },
        MemberOutcome.DuplicateContact => this with { DuplicateContact = DuplicateContact + count },
        MemberOutcome.DuplicateSourceKey => this with { DuplicateSourceKey = DuplicateSourceKey + count },
        MemberOutcome.Invalid => this with { Invalid = Invalid + count },
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Unknown outcome."),
    };
}

/// <summary>The result of a bulk upsert or reconcile.</summary>
/// <param name="List">The list after the operation (in a dry run: as it is, unchanged; <see langword="null"/> if a dry run would create it).</param>
/// <param name="DryRun">Whether nothing was written.</param>
/// <param name="Counts">Per-outcome counts.</param>
/// <param name="Items">
/// One result per request item in request order, followed by the removed members. When the request
/// reports more than <c>MailingOptions.ItemDetailLimit</c> results, <paramref name="ItemsSummarized"/>
/// is set and the items leave out the <see cref="MemberOutcome.Added"/> and
/// <see cref="MemberOutcome.Unchanged"/> ones (the counts still include them).
/// </param>
/// <param name="ItemsSummarized">Whether added and unchanged items were left out of <paramref name="Items"/>.</param>
public sealed record MembershipChangeResult(RecipientList? List, bool DryRun, MemberOutcomeCounts Counts, IReadOnlyList<MemberResult> Items, bool ItemsSummarized = false);

/// <summary>The result of upserting a list's own fields.</summary>
/// <param name="List">The list after the upsert.</param>
/// <param name="Outcome">Whether it was created, updated or already matched.</param>
public sealed record RecipientListUpsertResult(RecipientList List, ListUpsertOutcome Outcome);

/// <summary>The result of upserting one member.</summary>
/// <param name="List">The list after the upsert (created if it did not exist).</param>
/// <param name="Member">The membership after the upsert.</param>
/// <param name="Outcome">Added, updated, reactivated or unchanged.</param>
public sealed record MemberUpsertResult(RecipientList List, RecipientListMember Member, MemberOutcome Outcome);
