using Mailing.Store.EfCore.Entities;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;

// string.Compare in these queries is translated to SQL "a > b" (see EfCoreRecipientListStore).
#pragma warning disable CA1309

namespace Mailing.Store.EfCore.Stores;

/// <summary>Applies a run's member items and removals; one implementation per database strategy.</summary>
internal interface IMembershipWriter
{
    /// <summary>Applies (or, in a dry run, only judges) every item, then removes absent members when asked; reports into the run.</summary>
    Task ApplyAsync(MembershipRun run, IAsyncEnumerable<MemberWrite> members, CancellationToken cancellationToken);
}

/// <summary>
/// The portable path (SQLite and any other provider): 500 items at a time, one query for their
/// contacts, one for the memberships they touch, one batched save, all in the caller's transaction.
/// </summary>
internal sealed class BatchedMembershipWriter(DbContext db) : IMembershipWriter
{
    private const int ChunkSize = 500;

    private DbSet<RecipientListMemberEntity> Members => db.Set<RecipientListMemberEntity>();

    public async Task ApplyAsync(MembershipRun run, IAsyncEnumerable<MemberWrite> members, CancellationToken cancellationToken)
    {
        var contacts = new ContactResolver(db, run.Scope, run.Now, run.Change.DryRun);
        await foreach (var chunk in members.Chunk(ChunkSize).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            await ApplyChunkAsync(run, contacts, chunk, cancellationToken).ConfigureAwait(false);
        }

        if (run.Change.RemoveAbsent && run.ListId is { } listId)
        {
            await RemoveAbsentAsync(run, listId, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ApplyChunkAsync(MembershipRun run, ContactResolver contacts, MemberWrite[] chunk, CancellationToken cancellationToken)
    {
        var candidates = run.Screen(chunk);
        if (candidates.Count > 0)
        {
            var contactIds = await contacts.ResolveAsync(candidates, cancellationToken).ConfigureAwait(false);
            var existing = await LoadMembersAsync(run, candidates, contactIds, cancellationToken).ConfigureAwait(false);
            foreach (var item in candidates)
            {
                Guid? contactId = contactIds.TryGetValue(item.NormalizedEmail!, out var id) ? id : null;
                var decision = run.Classify(item, contactId, existing);
                if (decision.Outcome == MemberOutcome.DuplicateContact && run.Change.RejectConflicts)
                {
                    throw new MailingConflictException("Email", decision.Error!);
                }

                run.Results.Add(new MemberResult(item.Index, item.SourceObjectKey, decision.Outcome, contactId, decision.Error));
                if (!run.Change.DryRun && decision.Outcome is MemberOutcome.Added or MemberOutcome.Updated or MemberOutcome.Reactivated)
                {
                    Stage(run, item, contactId!.Value, decision);
                }
            }

            if (!run.Change.DryRun)
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }

            db.ChangeTracker.Clear();
        }

        run.EndChunk();
    }

    /// <summary>Adds the new row, or changes the existing (tracked) one, as the decision says.</summary>
    private void Stage(MembershipRun run, MemberWrite item, Guid contactId, MemberDecision decision)
    {
        var row = decision.Row;
        if (row is null)
        {
            row = new RecipientListMemberEntity
            {
                ClientId = run.Scope.ClientId,
                Id = Guid.CreateVersion7(run.Now),
                ListId = run.ListId!.Value,
                EmailSnapshot = item.Email!,
                SourceObjectKey = item.SourceObjectKey!,
                Metadata = item.MetadataJson,
                CreatedAt = run.Now,
            };
            Members.Add(row);
        }

        row.SourceObjectKey = item.SourceObjectKey!;
        row.ContactId = contactId;
        row.EmailSnapshot = item.Email!;
        row.Metadata = item.MetadataJson;
        row.Active = true;
        row.RemovedAt = null;
        row.UpdatedAt = run.Now;
    }

    /// <summary>Loads (tracked) the list's rows matching the chunk's source keys or contacts.</summary>
    private async Task<MemberLookup> LoadMembersAsync(
        MembershipRun run, List<MemberWrite> candidates, IReadOnlyDictionary<string, Guid> contactIds, CancellationToken cancellationToken)
    {
        if (run.ListId is not { } listId)
        {
            return MemberLookup.Empty;
        }

        var keys = candidates.Select(c => c.SourceObjectKey!).ToList();
        var contacts = contactIds.Values.Where(id => id != Guid.Empty).Distinct().ToList();
        var query = Members.Where(m => m.ClientId == run.Scope.ClientId && m.ListId == listId
            && (keys.Contains(m.SourceObjectKey) || contacts.Contains(m.ContactId)));
        var rows = run.Change.DryRun
            ? await query.AsNoTracking().ToListAsync(cancellationToken).ConfigureAwait(false)
            : await query.ToListAsync(cancellationToken).ConfigureAwait(false);
        return new MemberLookup(rows);
    }

    /// <summary>Soft-removes active members whose source key the run did not see, walking the list by key.</summary>
    private async Task RemoveAbsentAsync(MembershipRun run, Guid listId, CancellationToken cancellationToken)
    {
        string? after = null;
        while (true)
        {
            var query = Members.AsNoTracking().Where(m => m.ClientId == run.Scope.ClientId && m.ListId == listId && m.Active);
            if (after is not null)
            {
                query = query.Where(m => string.Compare(m.SourceObjectKey, after) > 0);
            }

            var page = await query.OrderBy(m => m.SourceObjectKey)
                .Select(m => new { m.Id, m.SourceObjectKey, m.ContactId })
                .Take(ChunkSize)
                .ToListAsync(cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                return;
            }

            after = page[^1].SourceObjectKey;
            var absent = page.Where(m => !run.SeenKey(m.SourceObjectKey)).ToList();
            foreach (var member in absent)
            {
                run.Results.Add(new MemberResult(null, member.SourceObjectKey, MemberOutcome.Removed, member.ContactId));
            }

            if (!run.Change.DryRun && absent.Count > 0)
            {
                var ids = absent.Select(m => m.Id).ToList();
                await Members
                    .Where(m => m.ClientId == run.Scope.ClientId && ids.Contains(m.Id))
                    .ExecuteUpdateAsync(
                        s => s.SetProperty(m => m.Active, false).SetProperty(m => m.RemovedAt, run.Now).SetProperty(m => m.UpdatedAt, run.Now),
                        cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
