using Mailing.RecipientLists.StoreKit;

namespace Mailing.Store.EfCore.Dialects.Postgres;

/// <summary>
/// The set-based path's memory of a request (see <see cref="IRequestMemory"/>): a fingerprint per source key and
/// per address instead of the values, so a million-member snapshot streams past in little memory. It answers
/// <see cref="Seen.No"/> or <see cref="Seen.Maybe"/>, never <see cref="Seen.Yes"/>: the statements then settle the
/// possible repeats exactly, first occurrence winning as <see cref="MemberScreen"/> does.
/// </summary>
internal sealed class SuspectMemory : IRequestMemory
{
    private readonly RepeatFilter _keys = new();
    private readonly RepeatFilter _emails = new();

    public Seen RememberKey(string sourceObjectKey) => _keys.MaybeSeen(sourceObjectKey) ? Seen.Maybe : Seen.No;

    public Seen RememberEmail(string normalizedEmail) => _emails.MaybeSeen(normalizedEmail) ? Seen.Maybe : Seen.No;
}
