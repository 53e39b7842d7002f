using Mailing.Stores;
using Microsoft.Extensions.Options;

namespace Mailing.RecipientLists.StoreKit;

/// <summary>
/// The store-neutral half of <see cref="IRecipientListStore.ApplyMembersAsync"/>, for store packages: a store
/// loads and writes rows; screening (<see cref="MemberScreen"/>), the membership rules (<see cref="MembershipRules"/>),
/// the order of deferred items and the reporting policy (<see cref="MemberResultCollector"/>) live here, once, so
/// every store reports the same outcomes. Registered by <c>AddMailing</c>. Lifetime: singleton.
/// </summary>
/// <param name="options">The Mailing options (<see cref="MailingOptions.ItemDetailLimit"/>).</param>
public sealed class MembershipKit(IOptions<MailingOptions> options)
{
    /// <summary>Starts the state of one bulk upsert or reconcile.</summary>
    /// <param name="scope">The client and audience.</param>
    /// <param name="listId">The list; <see langword="null"/> in a dry run for a list that does not exist yet.</param>
    /// <param name="change">What the request asks.</param>
    /// <param name="now">The instant the run writes as its time.</param>
    public MembershipRun StartRun(MailingScope scope, Guid? listId, MembershipChange change, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(change);
        return new MembershipRun(scope, listId, change, now, options.Value.ItemDetailLimit);
    }
}
