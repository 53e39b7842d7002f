using Mailing.RecipientLists.StoreKit;
using Mailing.Stores;

namespace Mailing.Store.EfCore.RecipientLists;

/// <summary>Applies a run's member items and removals; one implementation per database strategy.</summary>
internal interface IMembershipWriter
{
    /// <summary>Applies (or, in a dry run, only judges) every item, then removes absent members when asked; reports into the run.</summary>
    Task ApplyAsync(MembershipRun run, IAsyncEnumerable<MemberWrite> members, CancellationToken cancellationToken);
}
