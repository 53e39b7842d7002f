using Mailing.Stores;

namespace Mailing.Store.EfCore.Stores;

/// <summary>
/// The state of one bulk upsert or reconcile on the batched path: what the request has shown so
/// far (first occurrence wins), which rows items changed (claimed), the deferred items (see
/// <see cref="MembershipRules"/>), and the results.
/// </summary>
internal sealed class MembershipRun(MailingScope scope, Guid? listId, MembershipChange change, DateTimeOffset now, int itemDetailLimit)
{
    private readonly HashSet<string> _seenKeys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seenEmails = new(StringComparer.Ordinal);
    private readonly HashSet<Guid> _claimed = [];

    public MailingScope Scope { get; } = scope;

    public Guid? ListId { get; } = listId;

    public MembershipChange Change { get; } = change;

    public DateTimeOffset Now { get; } = now;

    public MemberResultCollector Results { get; } = new(itemDetailLimit);

    /// <summary>Items whose contact holds a membership under another key, judged when the request ends.</summary>
    public List<DeferredItem> Deferred { get; } = [];

    public bool SeenKey(string sourceObjectKey) => _seenKeys.Contains(sourceObjectKey);

    public bool IsClaimed(Guid rowId) => _claimed.Contains(rowId);

    public void Claim(Guid rowId) => _claimed.Add(rowId);

    /// <summary>Reports invalid and repeated items of a chunk and returns the rest, in order.</summary>
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
