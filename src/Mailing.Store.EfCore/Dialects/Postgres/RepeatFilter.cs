namespace Mailing.Store.EfCore.Dialects.Postgres;

/// <summary>
/// Tells, while a large request streams past, which values may have appeared before, holding a
/// 64-bit fingerprint per value instead of the value itself. It never misses a repeat; a false
/// "maybe" (two values sharing a fingerprint) only sends one more value to the exact check in the
/// database, so the judgement stays exact while the common case — no repeats — needs no check at all.
/// </summary>
internal sealed class RepeatFilter
{
    private const ulong OffsetBasis = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;
    private readonly HashSet<ulong> _seen = [];

    /// <summary>Whether <paramref name="value"/> may have been seen before; remembers it either way.</summary>
    public bool MaybeSeen(string value) => !_seen.Add(Fingerprint(value));

    /// <summary>FNV-1a over the UTF-16 code units, finished with a 64-bit mix so nearby values spread apart.</summary>
    private static ulong Fingerprint(string value)
    {
        var hash = OffsetBasis;
        foreach (var c in value)
        {
            hash = (hash ^ c) * Prime;
        }

        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCDUL;
        hash ^= hash >> 33;
        return hash;
    }
}
