using Mailing.Store.EfCore.Entities;
using Mailing.Stores;

namespace Mailing.Store.EfCore.Stores;

/// <summary>What to do with one member item, and the existing row it changes.</summary>
internal sealed record MemberDecision(MemberOutcome Outcome, RecipientListMemberEntity? Row = null, string? Error = null);

/// <summary>The list's existing rows for one chunk, by source key and by contact.</summary>
internal sealed class MemberLookup
{
    public static readonly MemberLookup Empty = new([]);

    public MemberLookup(IEnumerable<RecipientListMemberEntity> rows)
    {
        foreach (var row in rows)
        {
            ByKey[row.SourceObjectKey] = row;
            ByContact[row.ContactId] = row;
        }
    }

    public Dictionary<string, RecipientListMemberEntity> ByKey { get; } = new(StringComparer.Ordinal);

    public Dictionary<Guid, RecipientListMemberEntity> ByContact { get; } = [];
}

/// <summary>
/// The state of one bulk upsert or reconcile on the batched path. Items are judged in request
/// order against the list as it was before the request (see <see cref="MembershipRules"/>); the
/// run remembers which rows earlier items changed, and under which key and contact those rows
/// were found, because once a chunk is saved the database no longer shows them there.
/// </summary>
internal sealed class MembershipRun(MailingScope scope, Guid? listId, MembershipChange change, DateTimeOffset now, int itemDetailLimit)
{
    private readonly HashSet<string> _seenKeys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seenEmails = new(StringComparer.Ordinal);
    // Rows an earlier item re-keyed or moved to another contact, as they were before the request.
    // (A row changed in place keeps its key and contact, which no later item can share.)
    private readonly Dictionary<Guid, MembershipRules.Row> _moved = [];
    private readonly Dictionary<string, MembershipRules.Row> _movedByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, MembershipRules.Row> _movedByContact = [];

    public MailingScope Scope { get; } = scope;

    public Guid? ListId { get; } = listId;

    public MembershipChange Change { get; } = change;

    public DateTimeOffset Now { get; } = now;

    public MemberResultCollector Results { get; } = new(itemDetailLimit);

    public bool SeenKey(string sourceObjectKey) => _seenKeys.Contains(sourceObjectKey);

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

                Results.Add(new MemberResult(item.Index, item.SourceObjectKey, MemberOutcome.Invalid, Error: item.Error));
            }
            else if (!_seenKeys.Add(item.SourceObjectKey!))
            {
                Results.Add(new MemberResult(item.Index, item.SourceObjectKey, MemberOutcome.DuplicateSourceKey, Error: MembershipRules.RepeatedKey(item.SourceObjectKey!)));
            }
            else if (!_seenEmails.Add(item.NormalizedEmail!))
            {
                Results.Add(new MemberResult(item.Index, item.SourceObjectKey, MemberOutcome.DuplicateContact, Error: MembershipRules.RepeatedEmail(item.Email!)));
            }
            else
            {
                candidates.Add(item);
            }
        }

        return candidates;
    }

    /// <summary>Decides an item and, when it moves an existing row to another key or contact, remembers where the row was.</summary>
    public MemberDecision Classify(MemberWrite item, Guid? contactId, MemberLookup lookup)
    {
        var keyEntity = lookup.ByKey.GetValueOrDefault(item.SourceObjectKey!);
        var contactEntity = contactId is { } id ? lookup.ByContact.GetValueOrDefault(id) : null;
        var byKey = _movedByKey.TryGetValue(item.SourceObjectKey!, out var movedKey) ? movedKey : View(keyEntity);
        var byContact = contactId is { } cid && _movedByContact.TryGetValue(cid, out var movedContact) ? movedContact : View(contactEntity);

        var verdict = MembershipRules.Decide(item, contactId, byKey, byContact);
        var row = verdict.RowId is { } rowId ? (rowId == keyEntity?.Id ? keyEntity : contactEntity) : null;
        if (row is not null && (row.SourceObjectKey != item.SourceObjectKey || row.ContactId != contactId))
        {
            var before = View(row)!.Value with { Claimed = true };
            _moved[row.Id] = before;
            _movedByKey[before.SourceObjectKey] = before;
            _movedByContact[before.ContactId] = before;
        }

        return new MemberDecision(verdict.Outcome, row, verdict.Error);
    }

    /// <summary>Ends a chunk: puts its results in request order.</summary>
    public void EndChunk() => Results.EndChunk();

    private MembershipRules.Row? View(RecipientListMemberEntity? row) =>
        row is null ? null
        : _moved.TryGetValue(row.Id, out var before) ? before
        : new MembershipRules.Row(row.Id, row.SourceObjectKey, row.ContactId, row.EmailSnapshot, row.Metadata, row.Active, Claimed: false);
}
