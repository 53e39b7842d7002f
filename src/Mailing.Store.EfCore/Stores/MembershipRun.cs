using Mailing.Store.EfCore.Entities;
using Mailing.Stores;

namespace Mailing.Store.EfCore.Stores;

/// <summary>What to do with one member item, and the existing row it applies to.</summary>
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
/// The state of one bulk upsert or reconcile: what the request has shown so far (first
/// occurrence wins), the outcomes, and an overlay of rows this run re-keyed or moved to another
/// contact, so later items see the run's own changes even in a dry run, where nothing is saved.
/// </summary>
internal sealed class MembershipRun(MailingScope scope, Guid? listId, MembershipChange change, DateTimeOffset now)
{
    private readonly HashSet<string> _seenKeys = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seenEmails = new(StringComparer.Ordinal);
    private readonly Dictionary<string, RecipientListMemberEntity?> _keyOverlay = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, RecipientListMemberEntity?> _contactOverlay = [];
    private readonly List<MemberResult> _results = [];

    public MailingScope Scope { get; } = scope;

    public Guid? ListId { get; } = listId;

    public MembershipChange Change { get; } = change;

    public DateTimeOffset Now { get; } = now;

    public MemberOutcomeCounts Counts { get; private set; } = new();

    public IReadOnlyList<MemberResult> Results => _results;

    public bool SeenKey(string sourceObjectKey) => _seenKeys.Contains(sourceObjectKey);

    public void Report(MemberResult result)
    {
        _results.Add(result);
        Counts = Counts.With(result.Outcome);
    }

    /// <summary>Reports invalid and duplicate items of a chunk and returns the rest, in order.</summary>
    public List<MemberWrite> Screen(IReadOnlyList<MemberWrite> chunk)
    {
        Counts = Counts with { Received = Counts.Received + chunk.Count };
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

                Report(new MemberResult(item.Index, item.SourceObjectKey, MemberOutcome.Invalid, Error: item.Error));
            }
            else if (!_seenKeys.Add(item.SourceObjectKey!))
            {
                Report(new MemberResult(item.Index, item.SourceObjectKey, MemberOutcome.DuplicateSourceKey,
                    Error: $"Source key '{item.SourceObjectKey}' appears earlier in this request; the first occurrence was used."));
            }
            else if (!_seenEmails.Add(item.NormalizedEmail!))
            {
                Report(new MemberResult(item.Index, item.SourceObjectKey, MemberOutcome.DuplicateContact,
                    Error: $"Email '{item.Email}' appears earlier in this request under another source key; the first occurrence was used."));
            }
            else
            {
                candidates.Add(item);
            }
        }

        return candidates;
    }

    /// <summary>Decides an item against the rows it touches: the row with its key and the row of its contact.</summary>
    public MemberDecision Classify(MemberWrite item, Guid? contactId, MemberLookup lookup)
    {
        var byKey = FindByKey(item.SourceObjectKey!, lookup);
        var byContact = contactId is { } id ? FindByContact(id, lookup) : null;
        if (byContact is not null && byContact.Id != byKey?.Id)
        {
            if (byContact.Active)
            {
                return new MemberDecision(MemberOutcome.DuplicateContact,
                    Error: $"Contact '{item.Email}' is already an active member of this list under source key '{byContact.SourceObjectKey}'.");
            }

            return byKey is null
                ? new MemberDecision(MemberOutcome.Reactivated, byContact)
                : new MemberDecision(MemberOutcome.DuplicateContact,
                    Error: $"Contact '{item.Email}' has a removed membership under source key '{byContact.SourceObjectKey}', and source key '{item.SourceObjectKey}' belongs to another contact.");
        }

        if (byKey is null)
        {
            return new MemberDecision(MemberOutcome.Added);
        }

        if (!byKey.Active)
        {
            return new MemberDecision(MemberOutcome.Reactivated, byKey);
        }

        var changed = byKey.ContactId != contactId || byKey.EmailSnapshot != item.Email || byKey.Metadata != item.MetadataJson;
        return new MemberDecision(changed ? MemberOutcome.Updated : MemberOutcome.Unchanged, byKey);
    }

    /// <summary>Records that a row now has <paramref name="after"/>'s key and contact (it had <paramref name="oldKey"/> and <paramref name="oldContactId"/>).</summary>
    public void Remember(string? oldKey, Guid? oldContactId, RecipientListMemberEntity after)
    {
        if (oldKey is not null && oldKey != after.SourceObjectKey)
        {
            _keyOverlay[oldKey] = null;
        }

        if (oldContactId is { } old && old != after.ContactId)
        {
            _contactOverlay[old] = null;
        }

        _keyOverlay[after.SourceObjectKey] = after;
        if (after.ContactId != Guid.Empty)
        {
            _contactOverlay[after.ContactId] = after;
        }
    }

    /// <summary>Ends a chunk: puts its results in request order; once saved, the database is the truth again.</summary>
    public void EndChunk(int firstResult, bool saved)
    {
        _results.Sort(firstResult, _results.Count - firstResult, Comparer<MemberResult>.Create((a, b) => Nullable.Compare(a.Index, b.Index)));
        if (saved)
        {
            _keyOverlay.Clear();
            _contactOverlay.Clear();
        }
    }

    private RecipientListMemberEntity? FindByKey(string key, MemberLookup lookup) =>
        _keyOverlay.TryGetValue(key, out var row) ? row : lookup.ByKey.GetValueOrDefault(key);

    private RecipientListMemberEntity? FindByContact(Guid contactId, MemberLookup lookup) =>
        _contactOverlay.TryGetValue(contactId, out var row) ? row : lookup.ByContact.GetValueOrDefault(contactId);
}
