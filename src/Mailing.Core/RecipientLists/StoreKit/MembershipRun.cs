using Mailing.Stores;

namespace Mailing.RecipientLists.StoreKit;

/// <summary>
/// The state of one bulk upsert or reconcile (<see cref="IRecipientListStore.ApplyMembersAsync"/>), whichever way a
/// store applies it: the results, which rows items changed (claimed), and the deferred items (see
/// <see cref="MembershipRules"/>). A batched path also screens here (<see cref="Screen"/>), first occurrence
/// winning: while the items arrive in source-key order, <see cref="Ordered"/> remembers what was shown; from the
/// chunk with the first item out of order, hash sets do. Made by <see cref="MembershipKit.StartRun"/>.
/// </summary>
public sealed class MembershipRun
{
    private readonly HashedMemory _hashed = new();
    private readonly Dictionary<Guid, int> _claimedIn = [];
    private readonly Dictionary<Guid, MembershipRow> _vacated = [];
    private readonly List<DeferredItem> _deferred = [];

    internal MembershipRun(MailingScope scope, Guid? listId, MembershipChange change, DateTimeOffset now, int itemDetailLimit)
    {
        Scope = scope;
        ListId = listId;
        Change = change;
        Now = now;
        Results = new MemberResultCollector(itemDetailLimit);
        Ordered = listId is null ? null : new OrderedRequest();
    }

    /// <summary>The client and audience.</summary>
    public MailingScope Scope { get; }

    /// <summary>The list, or <see langword="null"/> in a dry run for a list that does not exist yet.</summary>
    public Guid? ListId { get; }

    /// <summary>What the request asks.</summary>
    public MembershipChange Change { get; }

    /// <summary>The instant the run writes as its time.</summary>
    public DateTimeOffset Now { get; }

    /// <summary>The per-item results and counts.</summary>
    public MemberResultCollector Results { get; }

    /// <summary>Items whose contact holds a membership under another key, judged when the request ends, in request order.</summary>
    public IReadOnlyList<DeferredItem> Deferred => _deferred;

    /// <summary>The request's memory while its items arrive in source-key order; null from the chunk with the first item out of order.</summary>
    public OrderedRequest? Ordered { get; private set; }

    /// <summary>Whether some item of the request so far named <paramref name="sourceObjectKey"/> (invalid items too).</summary>
    public bool SeenKey(string sourceObjectKey) => Ordered?.SeenKey(sourceObjectKey) ?? _hashed.Keys.Contains(sourceObjectKey);

    /// <summary>Whether the request is still in source-key order with <paramref name="chunk"/>; if not, moves to hashing for good.</summary>
    public bool StaysOrdered(IReadOnlyList<MemberWrite> chunk)
    {
        if (Ordered is null)
        {
            return false;
        }

        if (Ordered.Continues(chunk))
        {
            return true;
        }

        Ordered.HandOver(_hashed.Keys, _hashed.Emails);
        Ordered = null;
        return false;
    }

    /// <summary>
    /// Screens a chunk (<see cref="MemberScreen"/>) and returns the candidates in order. While <see cref="Ordered"/>
    /// remembers, repeated addresses are left to it (<see cref="OrderedRequest.RepeatsEmail"/>); call
    /// <see cref="StaysOrdered"/> for the chunk first.
    /// </summary>
    public List<ValidMember> Screen(IReadOnlyList<MemberWrite> chunk) =>
        MemberScreen.Screen(chunk, (IRequestMemory?)Ordered ?? _hashed, Results);

    /// <summary>Whether an item of this request changed the row.</summary>
    public bool IsClaimed(Guid rowId) => _claimedIn.ContainsKey(rowId);

    /// <summary>Records that an item changed the row (when judged by key; <see cref="JudgeDeferred"/> claims its own).</summary>
    public void Claim(Guid rowId) => _claimedIn.TryAdd(rowId, 0);

    /// <summary>Records an item whose contact holds a membership under another key, to be judged by <see cref="JudgeDeferred"/>.</summary>
    public void Defer(DeferredItem item) => _deferred.Add(item);

    /// <summary>
    /// Judges a deferred item (<see cref="MembershipRules.DecideDeferred"/>, call in request order) against the rows as
    /// they were and the claims so far, and claims the row it changes.
    /// </summary>
    /// <param name="item">The item.</param>
    /// <param name="heldKeyInRequest">Whether an item of the request names the source key of the row the contact holds.</param>
    /// <returns>
    /// The verdict, and the wave of its write: a change that takes a contact another change of this request frees must be
    /// written after it (a store with a unique (list, contact) index writes wave by wave; changes judged by key are wave 0).
    /// </returns>
    public (MembershipVerdict Verdict, int Wave) JudgeDeferred(DeferredItem item, bool heldKeyInRequest)
    {
        ArgumentNullException.ThrowIfNull(item);
        var verdict = MembershipRules.DecideDeferred(
            item.Item,
            item.ContactId,
            item.ByKey is { } byKey ? byKey with { Claimed = IsClaimed(byKey.Id) } : null,
            item.Held with { Claimed = IsClaimed(item.Held.Id) },
            heldKeyInRequest,
            Change.RemoveAbsent);
        var wave = _claimedIn.TryGetValue(item.Held.Id, out var freedIn) ? freedIn + 1 : 1;
        if (verdict.RowId is { } rowId)
        {
            _claimedIn[rowId] = wave;
        }

        return (verdict, wave);
    }

    /// <summary>
    /// Remembers the row a contact held before an item of this request moved it to another contact, as it
    /// was. Later chunks read the rows as they are now; the rules judge them as they were before the request.
    /// </summary>
    public void Vacate(MembershipRow row) => _vacated.TryAdd(row.ContactId, row with { Claimed = true });

    /// <summary>The row <paramref name="contactId"/> held before an item of this request moved it away, if any.</summary>
    public MembershipRow? Vacated(Guid contactId) => _vacated.TryGetValue(contactId, out var row) ? row : null;

    /// <summary>What the run changes on its list row, from the counts: write it in the run's transaction.</summary>
    public ListRunUpdate ListUpdate
    {
        get
        {
            var counts = Results.Counts;
            var status = counts.HasErrors ? ReconcileStatus.CompletedWithErrors : ReconcileStatus.Succeeded;
            return new ListRunUpdate(
                counts.Added,
                (long)counts.Added + counts.Reactivated - counts.Removed,
                Change.Reconcile ? new ReconcileReport(status, Now, counts) : null);
        }
    }

    /// <summary>The result to return, with the list as it is after the run (as it was, in a dry run).</summary>
    public MembershipChangeResult ToResult(RecipientList? list) =>
        new(list, Change.DryRun, Results.Counts, Results.Items, Results.Summarized);

    /// <summary>An exact memory: every key and address seen, hashed.</summary>
    private sealed class HashedMemory : IRequestMemory
    {
        public HashSet<string> Keys { get; } = new(StringComparer.Ordinal);

        public HashSet<string> Emails { get; } = new(StringComparer.Ordinal);

        public Seen RememberKey(string sourceObjectKey) => Keys.Add(sourceObjectKey) ? Seen.No : Seen.Yes;

        public Seen RememberEmail(string normalizedEmail) => Emails.Add(normalizedEmail) ? Seen.No : Seen.Yes;
    }
}

/// <summary>A deferred item with the two rows it looked at, as they were before the request.</summary>
/// <param name="Item">The item.</param>
/// <param name="ContactId">Its contact.</param>
/// <param name="ByKey">The row with its source key, if any.</param>
/// <param name="Held">The row its contact holds under another source key.</param>
public sealed record DeferredItem(ValidMember Item, Guid ContactId, MembershipRow? ByKey, MembershipRow Held);

/// <summary>What a run changes on its list row.</summary>
/// <param name="MemberCountDelta">Added to the member count.</param>
/// <param name="ActiveMemberCountDelta">Added to the active member count.</param>
/// <param name="Reconcile">The list's new last-reconcile report, for a reconcile; otherwise none.</param>
public sealed record ListRunUpdate(long MemberCountDelta, long ActiveMemberCountDelta, ReconcileReport? Reconcile)
{
    /// <summary>Whether the counters move.</summary>
    public bool ChangesCounters => MemberCountDelta != 0 || ActiveMemberCountDelta != 0;
}
