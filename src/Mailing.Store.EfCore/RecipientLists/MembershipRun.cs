using Mailing.Stores;

namespace Mailing.Store.EfCore.RecipientLists;

/// <summary>
/// The state of one bulk upsert or reconcile on the batched path: what the request has shown so
/// far (first occurrence wins), which rows items changed (claimed), the deferred items (see
/// <see cref="MembershipRules"/>), and the results. While the items arrive in source-key order,
/// <see cref="Ordered"/> remembers what was shown; from the chunk with the first item out of order, hash sets do.
/// </summary>
internal sealed class MembershipRun(MailingScope scope, Guid? listId, MembershipChange change, DateTimeOffset now, int itemDetailLimit)
{
    private readonly HashSet<string> _seenKeys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seenEmails = new(StringComparer.Ordinal);
    private readonly HashSet<Guid> _claimed = [];
    private readonly Dictionary<Guid, MembershipRules.Row> _vacated = [];

    public MailingScope Scope { get; } = scope;

    public Guid? ListId { get; } = listId;

    public MembershipChange Change { get; } = change;

    public DateTimeOffset Now { get; } = now;

    public MemberResultCollector Results { get; } = new(itemDetailLimit);

    /// <summary>Items whose contact holds a membership under another key, judged when the request ends.</summary>
    public List<DeferredItem> Deferred { get; } = [];

    /// <summary>The request's memory while its items arrive in source-key order; null from the chunk with the first item out of order.</summary>
    public OrderedRequest? Ordered { get; private set; } = listId is null ? null : new();

    public bool SeenKey(string sourceObjectKey) => Ordered?.SeenKey(sourceObjectKey) ?? _seenKeys.Contains(sourceObjectKey);

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

        Ordered.HandOver(_seenKeys, _seenEmails);
        Ordered = null;
        return false;
    }

    public bool IsClaimed(Guid rowId) => _claimed.Contains(rowId);

    public void Claim(Guid rowId) => _claimed.Add(rowId);

    /// <summary>
    /// Remembers the row a contact held before an item of this request moved it to another contact, as it
    /// was. Later chunks read the rows as they are now; the rules judge them as they were before the request.
    /// </summary>
    public void Vacate(MembershipRules.Row row) => _vacated.TryAdd(row.ContactId, row with { Claimed = true });

    /// <summary>The row <paramref name="contactId"/> held before an item of this request moved it away, if any.</summary>
    public MembershipRules.Row? Vacated(Guid contactId) => _vacated.TryGetValue(contactId, out var row) ? row : null;

    /// <summary>Reports invalid and repeated items of a chunk (once out of order) and returns the rest, in order.</summary>
    public List<MemberWrite> Screen(IReadOnlyList<MemberWrite> chunk)
    {
        Results.Receive(chunk.Count);
        var candidates = new List<MemberWrite>(chunk.Count);
        foreach (var item in chunk)
        {
            if (item.Error is not null)
            {
                // An invalid item still names a member the source has: it must not be removed as absent.
                if (item.SourceObjectKey is not null)
                {
                    _seenKeys.Add(item.SourceObjectKey);
                }

                Results.Add(item.Index, item.SourceObjectKey, MemberOutcome.Invalid, error: item.Error);
            }
            else if (!_seenKeys.Add(item.SourceObjectKey!))
            {
                Results.Add(item.Index, item.SourceObjectKey, MemberOutcome.DuplicateSourceKey, error: MembershipRules.RepeatedKey(item.SourceObjectKey!));
            }
            else if (!_seenEmails.Add(item.NormalizedEmail!))
            {
                Results.Add(item.Index, item.SourceObjectKey, MemberOutcome.DuplicateContact, error: MembershipRules.RepeatedEmail(item.Email!));
            }
            else
            {
                candidates.Add(item);
            }
        }

        return candidates;
    }
}

/// <summary>A deferred item with the two rows it looked at, as they were before the request.</summary>
internal sealed record DeferredItem(MemberWrite Item, Guid ContactId, MembershipRules.Row? ByKey, MembershipRules.Row Held);
