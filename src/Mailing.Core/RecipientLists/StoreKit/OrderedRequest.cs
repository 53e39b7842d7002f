using Mailing.Stores;

namespace Mailing.RecipientLists.StoreKit;

/// <summary>
/// What a batched store path remembers of a request whose items arrive in source-key order (ordinal), the
/// common shape of an export. Instead of hashing every key and address it has seen, it keeps the keys
/// in sorted lists and tells repeats apart with a few facts about the list's rows:
/// </summary>
/// <remarks>
/// <para>
/// A repeated source key sits next to its first occurrence, so comparing with the previous key finds it.
/// </para>
/// <para>
/// An item is <em>settled</em> when the row with its source key belongs to the contact that has the
/// item's address (and the item brings no new name for it): its contact is that row's contact, with no
/// look-up. Settled items have pairwise distinct addresses — distinct rows of a list hold distinct
/// contacts, and distinct contacts have distinct addresses — so an address can repeat only where an
/// <em>open</em> (unsettled) item is involved, and only open items are hashed — a few percent of a
/// snapshot sent again to an existing list, though all of a request that brings mostly new members: an open item repeats an earlier open one (a small map), or the row its contact holds was
/// settled on by an earlier item; a settled item repeats an earlier open item whose contact holds the very
/// row it settled on (a queue of such rows' keys, consumed in key order).
/// </para>
/// <para>
/// The first chunk with an item out of order ends all this: <see cref="HandOver"/> passes what was
/// seen to the hashing memory, which takes the rest of the request. <see cref="MembershipRun"/> does both.
/// </para>
/// <para>
/// As an <see cref="IRequestMemory"/> it tells repeated source keys at once, and repeated addresses
/// later, by <see cref="RepeatsEmail"/>, once the chunk's rows are read.
/// </para>
/// </remarks>
public sealed class OrderedRequest : IRequestMemory
{
    private readonly List<string> _keys = [];
    private readonly List<string> _settledKeys = [];
    private readonly List<string> _emails = [];
    private readonly Dictionary<string, int> _openEmails = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, string> _repeatedLater = new(StringComparer.Ordinal);
    private string? _lastKey;
    private int _cursor;
    private string? _cursorKey;

    /// <summary>Whether every keyed item of <paramref name="chunk"/> continues the source-key order so far.</summary>
    public bool Continues(IReadOnlyList<MemberWrite> chunk)
    {
        var last = _lastKey;
        foreach (var item in chunk)
        {
            if (item.SourceObjectKey is not { } key)
            {
                continue;
            }

            if (last is not null && string.CompareOrdinal(key, last) < 0)
            {
                return false;
            }

            last = key;
        }

        return true;
    }

    /// <inheritdoc/>
    Seen IRequestMemory.RememberKey(string sourceObjectKey)
    {
        if (_lastKey is not null && string.Equals(sourceObjectKey, _lastKey, StringComparison.Ordinal))
        {
            return Seen.Yes;
        }

        _keys.Add(sourceObjectKey);
        _lastKey = sourceObjectKey;
        return Seen.No;
    }

    /// <inheritdoc/>
    Seen IRequestMemory.RememberEmail(string normalizedEmail)
    {
        _emails.Add(normalizedEmail);
        return Seen.No;
    }

    /// <summary>
    /// Whether <paramref name="item"/> is settled on <paramref name="byKey"/>, the row with its source key:
    /// that row's contact (whose current address and name are given) has the item's address, and the
    /// item brings no other name for it.
    /// </summary>
    public static bool Settles(ValidMember item, MembershipRow? byKey, string? contactEmail, string? contactName) =>
        byKey is not null
        && item is not null
        && string.Equals(contactEmail, item.NormalizedEmail, StringComparison.Ordinal)
        && (item.Name is null || string.Equals(item.Name, contactName, StringComparison.Ordinal));

    /// <summary>Records a settled candidate; call for the chunk's candidates in order, before <see cref="RepeatsEmail"/>.</summary>
    public void Settle(ValidMember item) => _settledKeys.Add((item ?? throw new ArgumentNullException(nameof(item))).SourceObjectKey);

    /// <summary>Records an open candidate; call for the chunk's candidates in order, before <see cref="RepeatsEmail"/>.</summary>
    /// <param name="item">The item.</param>
    /// <param name="heldKey">The source key of the row its address's contact holds in the list, if any.</param>
    public void Open(ValidMember item, string? heldKey)
    {
        ArgumentNullException.ThrowIfNull(item);
        _openEmails.TryAdd(item.NormalizedEmail, item.Index);

        // A later item settling on that row would repeat this address.
        if (heldKey is not null && string.CompareOrdinal(heldKey, item.SourceObjectKey) > 0)
        {
            _repeatedLater.Enqueue(heldKey, heldKey);
        }
    }

    /// <summary>Whether an earlier item of the request has the address of <paramref name="item"/>.</summary>
    /// <param name="item">A recorded candidate.</param>
    /// <param name="settled">Whether it is settled.</param>
    /// <param name="heldKey">For an open item: the source key of the row its address's contact holds in the list, if any.</param>
    /// <remarks>
    /// A settled item is asked in key order and needs no hashing: an earlier item with its address is an open
    /// one whose contact holds the row the item settled on, and <see cref="Open"/> queued that row's key.
    /// </remarks>
    public bool RepeatsEmail(ValidMember item, bool settled, string? heldKey)
    {
        ArgumentNullException.ThrowIfNull(item);
        var key = item.SourceObjectKey;
        if (settled)
        {
            while (_repeatedLater.TryPeek(out var next, out _) && string.CompareOrdinal(next, key) < 0)
            {
                _repeatedLater.Dequeue();
            }

            return _repeatedLater.TryPeek(out var at, out _) && string.Equals(at, key, StringComparison.Ordinal);
        }

        if (_openEmails.TryGetValue(item.NormalizedEmail, out var first) && first < item.Index)
        {
            return true;
        }

        // An earlier item settled on the row this address's contact holds: in key order, "earlier" is "smaller key".
        return heldKey is not null
            && string.CompareOrdinal(heldKey, key) < 0
            && _settledKeys.BinarySearch(heldKey, StringComparer.Ordinal) >= 0;
    }

    /// <summary>Whether some item of the request so far named <paramref name="sourceObjectKey"/>.</summary>
    /// <remarks>
    /// A walk over the list in key order (the removal of absent members) asks in ascending order: each
    /// answer then resumes where the previous one stopped, a step or two ahead. A key below the previous
    /// one (a collation other than ordinal, a random question) or far ahead is found by binary search.
    /// </remarks>
    public bool SeenKey(string sourceObjectKey)
    {
        const int Steps = 8;
        var at = _cursor;
        if (_cursorKey is null || string.CompareOrdinal(sourceObjectKey, _cursorKey) < 0)
        {
            at = 0;
        }

        var end = Math.Min(_keys.Count, at + Steps);
        while (at < end && string.CompareOrdinal(_keys[at], sourceObjectKey) < 0)
        {
            at++;
        }

        if (at == end && at < _keys.Count)
        {
            var found = _keys.BinarySearch(at, _keys.Count - at, sourceObjectKey, StringComparer.Ordinal);
            at = found >= 0 ? found : ~found;
        }

        _cursor = at;
        _cursorKey = sourceObjectKey;
        return at < _keys.Count && string.Equals(_keys[at], sourceObjectKey, StringComparison.Ordinal);
    }

    /// <summary>Adds what the request has shown so far to the hashing memory's sets, for an item out of order.</summary>
    /// <param name="seenKeys">The source keys seen.</param>
    /// <param name="seenEmails">The addresses of the items that passed the key check.</param>
    public void HandOver(ISet<string> seenKeys, ISet<string> seenEmails)
    {
        ArgumentNullException.ThrowIfNull(seenKeys);
        ArgumentNullException.ThrowIfNull(seenEmails);
        seenKeys.UnionWith(_keys);
        seenEmails.UnionWith(_emails);
    }
}
