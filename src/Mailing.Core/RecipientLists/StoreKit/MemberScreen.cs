using Mailing.Stores;

namespace Mailing.RecipientLists.StoreKit;

/// <summary>Whether a value appeared earlier in a request, as an <see cref="IRequestMemory"/> knows it.</summary>
public enum Seen
{
    /// <summary>It did not.</summary>
    No,

    /// <summary>It did.</summary>
    Yes,

    /// <summary>It may have: the memory cannot tell, and the store settles it exactly later (a set-based path, in the database).</summary>
    Maybe,
}

/// <summary>
/// What a store path remembers of the items of a request so far, for <see cref="MemberScreen"/>. Implementations
/// trade exactness for memory: a hash set per value (exact), the source-key order of an export
/// (<see cref="OrderedRequest"/>), or a fingerprint per value that answers <see cref="Seen.Maybe"/>.
/// </summary>
public interface IRequestMemory
{
    /// <summary>Remembers an item's source key (invalid items too: their key still names a member) and tells whether an earlier item had it.</summary>
    Seen RememberKey(string sourceObjectKey);

    /// <summary>Remembers the address of a valid item whose key is not a repeat, and tells whether such an earlier item had it.</summary>
    /// <remarks>A memory that tells repeated addresses later, another way, answers <see cref="Seen.No"/>.</remarks>
    Seen RememberEmail(string normalizedEmail);
}

/// <summary>How <see cref="MemberScreen.Screen(MemberWrite, IRequestMemory, MemberResultCollector)"/> left one item.</summary>
/// <param name="Candidate">The item, still to be judged by <see cref="MembershipRules"/>; <see langword="null"/> when it was reported.</param>
/// <param name="Key">What the memory said of its source key.</param>
/// <param name="Email">What the memory said of its address (<see cref="Seen.No"/> when not asked).</param>
public readonly record struct Screening(ValidMember? Candidate, Seen Key, Seen Email);

/// <summary>
/// The screen every item of a bulk upsert or reconcile passes before it is judged, first occurrence
/// winning: an invalid item is reported as <see cref="MemberOutcome.Invalid"/> (its source key still
/// counts as seen, so its member is not removed as absent); then an item repeating an earlier item's
/// source key is a <see cref="MemberOutcome.DuplicateSourceKey"/>; then one repeating the address of
/// an earlier item that passed is a <see cref="MemberOutcome.DuplicateContact"/>. Every store path
/// screens here; only what it remembers differs (<see cref="IRequestMemory"/>).
/// </summary>
public static class MemberScreen
{
    /// <summary>Screens one item, reporting it into <paramref name="results"/> unless it is a candidate.</summary>
    /// <param name="item">The item.</param>
    /// <param name="memory">What the path remembers of the request.</param>
    /// <param name="results">Where the run's results go; the item is counted as received.</param>
    public static Screening Screen(MemberWrite item, IRequestMemory memory, MemberResultCollector results)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(results);
        results.Receive(1);
        var key = item.SourceObjectKey is { } sourceKey ? memory.RememberKey(sourceKey) : Seen.No;
        if (ValidMember.From(item) is not { } member)
        {
            results.Add(item.Index, item.SourceObjectKey, MemberOutcome.Invalid, error: item.Error);
            return new Screening(null, key, Seen.No);
        }

        if (key == Seen.Yes)
        {
            results.Add(member.Index, member.SourceObjectKey, MemberOutcome.DuplicateSourceKey, error: MembershipRules.RepeatedKey(member.SourceObjectKey));
            return new Screening(null, key, Seen.No);
        }

        var email = memory.RememberEmail(member.NormalizedEmail);
        if (email == Seen.Yes)
        {
            results.Add(member.Index, member.SourceObjectKey, MemberOutcome.DuplicateContact, error: MembershipRules.RepeatedEmail(member.Email));
            return new Screening(null, key, email);
        }

        return new Screening(member, key, email);
    }

    /// <summary>Screens a chunk of items with a memory that answers exactly; returns the candidates in request order.</summary>
    public static List<ValidMember> Screen(IReadOnlyList<MemberWrite> chunk, IRequestMemory memory, MemberResultCollector results)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var candidates = new List<ValidMember>(chunk.Count);
        foreach (var item in chunk)
        {
            if (Screen(item, memory, results).Candidate is { } member)
            {
                candidates.Add(member);
            }
        }

        return candidates;
    }
}
