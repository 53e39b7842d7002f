using Mailing.AspNetCore.RecipientLists;

namespace Mailing.AspNetCore.Http;

/// <summary>
/// A bulk-upsert or reconcile request whose members are read while the store consumes them, so
/// a snapshot of any size never sits in memory.
/// </summary>
internal sealed class MembershipRequest(ListBody? list, bool dryRun, bool removeAbsent, IAsyncEnumerable<MemberInput> members, IAsyncDisposable? spool)
    : IAsyncDisposable
{
    public ListBody? List { get; } = list;

    public bool DryRun { get; } = dryRun;

    public bool RemoveAbsent { get; } = removeAbsent;

    public IAsyncEnumerable<MemberInput> Members { get; } = members;

    public ValueTask DisposeAsync() => spool?.DisposeAsync() ?? ValueTask.CompletedTask;
}
