using Mailing.Store.EfCore.Entities;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;

// string.Compare in these queries is translated to SQL "a > b": the database's collation orders
// keyset pages, consistently with ORDER BY, so no .NET comparison is involved.
#pragma warning disable CA1309

namespace Mailing.Store.EfCore.Stores;

/// <summary>
/// The EF Core recipient-list store. Lifetime: scoped, sharing the scope's <typeparamref name="TContext"/>.
/// Writes run in one transaction; the list row is locked first (a no-op update) so writers of
/// the same list queue up instead of interleaving, and counters move by deltas in that transaction.
/// </summary>
internal sealed class EfCoreRecipientListStore<TContext>(TContext db, TimeProvider time) : IRecipientListStore
    where TContext : DbContext
{
    private const int ChunkSize = 500;

    private DbSet<RecipientListEntity> Lists => db.Set<RecipientListEntity>();

    private DbSet<RecipientListMemberEntity> Members => db.Set<RecipientListMemberEntity>();

    public async Task<RecipientListUpsertResult> UpsertListAsync(MailingScope scope, string key, ListDefinitionWrite definition, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var (list, outcome) = await EnsureListAsync(scope, key, definition, Now(), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new RecipientListUpsertResult(list.ToModel(), outcome);
    }

    public async Task<RecipientList?> FindListAsync(MailingScope scope, string key, CancellationToken cancellationToken) =>
        (await FindListEntityAsync(scope, key, cancellationToken).ConfigureAwait(false))?.ToModel();

    public async Task<IReadOnlyList<RecipientList>> ListListsAsync(MailingScope scope, string? afterKey, int limit, CancellationToken cancellationToken)
    {
        var query = Lists.AsNoTracking().Where(l => l.ClientId == scope.ClientId && l.Audience == scope.Audience);
        if (afterKey is not null)
        {
            query = query.Where(l => string.Compare(l.Key, afterKey) > 0);
        }

        var rows = await query.OrderBy(l => l.Key).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToModel())];
    }

    public async Task<RecipientListMember?> FindMemberAsync(MailingScope scope, string listKey, string sourceObjectKey, CancellationToken cancellationToken)
    {
        var row = await MembersOf(scope, listKey)
            .Where(m => m.SourceObjectKey == sourceObjectKey)
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return row?.ToModel();
    }

    public async Task<IReadOnlyList<RecipientListMember>?> ListMembersAsync(
        MailingScope scope, string listKey, bool? active, string? afterSourceObjectKey, int limit, CancellationToken cancellationToken)
    {
        var list = await FindListEntityAsync(scope, listKey, cancellationToken).ConfigureAwait(false);
        if (list is null)
        {
            return null;
        }

        var query = Members.AsNoTracking().Where(m => m.ClientId == scope.ClientId && m.ListId == list.Id);
        if (active is { } wanted)
        {
            query = query.Where(m => m.Active == wanted);
        }

        if (afterSourceObjectKey is not null)
        {
            query = query.Where(m => string.Compare(m.SourceObjectKey, afterSourceObjectKey) > 0);
        }

        var rows = await query.OrderBy(m => m.SourceObjectKey).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToModel())];
    }

    public async Task<MembershipChangeResult> ApplyMembersAsync(
        MailingScope scope, string listKey, MembershipChange change, IAsyncEnumerable<MemberWrite> members, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(members);
        var now = Now();

        // A dry run reads inside a transaction too, for one consistent view, and rolls it back.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        RecipientListEntity? list;
        if (change.DryRun)
        {
            list = await FindListEntityAsync(scope, listKey, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            (list, _) = await EnsureListAsync(scope, listKey, change.List, now, cancellationToken).ConfigureAwait(false);
            await LockListAsync(list, cancellationToken).ConfigureAwait(false);
        }

        var run = new MembershipRun(scope, list?.Id, change, now);
        var contacts = new ContactResolver(db, scope, now, change.DryRun);
        await foreach (var chunk in members.Chunk(ChunkSize).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            await ApplyChunkAsync(run, contacts, chunk, cancellationToken).ConfigureAwait(false);
        }

        if (change.RemoveAbsent && list is not null)
        {
            await RemoveAbsentAsync(run, list.Id, cancellationToken).ConfigureAwait(false);
        }

        if (change.DryRun)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return new MembershipChangeResult(list?.ToModel(), DryRun: true, run.Counts, run.Results);
        }

        await UpdateListAfterRunAsync(list!, run, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        var after = await FindListEntityAsync(scope, listKey, cancellationToken).ConfigureAwait(false);
        return new MembershipChangeResult(after!.ToModel(), DryRun: false, run.Counts, run.Results);
    }

    private async Task ApplyChunkAsync(MembershipRun run, ContactResolver contacts, MemberWrite[] chunk, CancellationToken cancellationToken)
    {
        var firstResult = run.Results.Count;
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

                run.Report(new MemberResult(item.Index, item.SourceObjectKey, decision.Outcome, contactId, decision.Error));
                if (decision.Outcome is MemberOutcome.Added or MemberOutcome.Updated or MemberOutcome.Reactivated)
                {
                    var (oldKey, oldContact) = (decision.Row?.SourceObjectKey, decision.Row?.ContactId);
                    run.Remember(oldKey, oldContact, Stage(run, item, contactId ?? Guid.Empty, decision));
                }
            }

            if (!run.Change.DryRun)
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }

            db.ChangeTracker.Clear();
        }

        run.EndChunk(firstResult, saved: !run.Change.DryRun);
    }

    /// <summary>
    /// Produces the row as the decision leaves it: tracked (added or modified) for a real run,
    /// a detached copy for a dry run, which saves nothing.
    /// </summary>
    private RecipientListMemberEntity Stage(MembershipRun run, MemberWrite item, Guid contactId, MemberDecision decision)
    {
        var row = decision.Row switch
        {
            null => new RecipientListMemberEntity
            {
                ClientId = run.Scope.ClientId,
                Id = Guid.CreateVersion7(run.Now),
                ListId = run.ListId ?? Guid.Empty,
                ContactId = contactId,
                EmailSnapshot = item.Email!,
                SourceObjectKey = item.SourceObjectKey!,
                Metadata = item.MetadataJson,
                CreatedAt = run.Now,
            },
            { } existing when run.Change.DryRun => new RecipientListMemberEntity
            {
                ClientId = existing.ClientId,
                Id = existing.Id,
                ListId = existing.ListId,
                EmailSnapshot = existing.EmailSnapshot,
                SourceObjectKey = existing.SourceObjectKey,
                Metadata = existing.Metadata,
                CreatedAt = existing.CreatedAt,
            },
            { } existing => existing,
        };

        row.SourceObjectKey = item.SourceObjectKey!;
        row.ContactId = contactId;
        row.EmailSnapshot = item.Email!;
        row.Metadata = item.MetadataJson;
        row.Active = true;
        row.RemovedAt = null;
        row.UpdatedAt = run.Now;
        if (decision.Row is null && !run.Change.DryRun)
        {
            Members.Add(row);
        }

        return row;
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
                run.Report(new MemberResult(null, member.SourceObjectKey, MemberOutcome.Removed, member.ContactId));
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

    private async Task UpdateListAfterRunAsync(RecipientListEntity list, MembershipRun run, CancellationToken cancellationToken)
    {
        var counts = run.Counts;
        long addedDelta = counts.Added;
        long activeDelta = counts.Added + counts.Reactivated - counts.Removed;
        var countersChanged = addedDelta != 0 || activeDelta != 0;
        var row = Lists.Where(l => l.ClientId == list.ClientId && l.Id == list.Id);

        if (run.Change.Reconcile)
        {
            var status = (counts.HasErrors ? ReconcileStatus.CompletedWithErrors : ReconcileStatus.Succeeded).ToString();
            var summary = EntityMapping.SerializeCounts(counts);
            var updatedAt = countersChanged ? run.Now : list.UpdatedAt;
            await row.ExecuteUpdateAsync(
                s => s.SetProperty(l => l.MemberCount, l => l.MemberCount + addedDelta)
                      .SetProperty(l => l.ActiveMemberCount, l => l.ActiveMemberCount + activeDelta)
                      .SetProperty(l => l.LastReconciledAt, run.Now)
                      .SetProperty(l => l.LastReconcileStatus, status)
                      .SetProperty(l => l.LastReconcileSummary, summary)
                      .SetProperty(l => l.UpdatedAt, updatedAt),
                cancellationToken).ConfigureAwait(false);
        }
        else if (countersChanged)
        {
            await row.ExecuteUpdateAsync(
                s => s.SetProperty(l => l.MemberCount, l => l.MemberCount + addedDelta)
                      .SetProperty(l => l.ActiveMemberCount, l => l.ActiveMemberCount + activeDelta)
                      .SetProperty(l => l.UpdatedAt, run.Now),
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Finds the list, creating it or updating its definition as needed (tracked changes are saved here).</summary>
    private async Task<(RecipientListEntity List, ListUpsertOutcome Outcome)> EnsureListAsync(
        MailingScope scope, string key, ListDefinitionWrite? definition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var list = await Lists.SingleOrDefaultAsync(
                l => l.ClientId == scope.ClientId && l.Audience == scope.Audience && l.Key == key, cancellationToken).ConfigureAwait(false);
            if (list is not null)
            {
                if (definition is null || (list.Type == definition.Type && list.Name == definition.Name && list.Metadata == definition.MetadataJson))
                {
                    db.Entry(list).State = EntityState.Detached;
                    return (list, ListUpsertOutcome.Unchanged);
                }

                list.Type = definition.Type;
                list.Name = definition.Name;
                list.Metadata = definition.MetadataJson;
                list.UpdatedAt = now;
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                db.Entry(list).State = EntityState.Detached;
                return (list, ListUpsertOutcome.Updated);
            }

            definition ??= MembershipChange.DefaultDefinition(key);
            list = new RecipientListEntity
            {
                ClientId = scope.ClientId,
                Id = Guid.CreateVersion7(now),
                Audience = scope.Audience,
                Key = key,
                Type = definition.Type,
                Name = definition.Name,
                Metadata = definition.MetadataJson,
                CreatedAt = now,
                UpdatedAt = now,
            };
            Lists.Add(list);
            try
            {
                // Inside a transaction EF Core saves under a savepoint, so a lost race rolls back
                // only this insert and the loop reads the winner's row.
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                db.Entry(list).State = EntityState.Detached;
                return (list, ListUpsertOutcome.Created);
            }
            catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex) && attempt < 3)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>Takes the list row's write lock for the rest of the transaction (a no-op update).</summary>
    private Task<int> LockListAsync(RecipientListEntity list, CancellationToken cancellationToken) =>
        Lists.Where(l => l.ClientId == list.ClientId && l.Id == list.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.MemberCount, l => l.MemberCount), cancellationToken);

    private Task<RecipientListEntity?> FindListEntityAsync(MailingScope scope, string key, CancellationToken cancellationToken) =>
        Lists.AsNoTracking().SingleOrDefaultAsync(
            l => l.ClientId == scope.ClientId && l.Audience == scope.Audience && l.Key == key, cancellationToken);

    private IQueryable<RecipientListMemberEntity> MembersOf(MailingScope scope, string listKey) =>
        from m in Members.AsNoTracking()
        join l in Lists on new { m.ClientId, m.ListId } equals new { l.ClientId, ListId = l.Id }
        where l.ClientId == scope.ClientId && l.Audience == scope.Audience && l.Key == listKey
        select m;

    /// <summary>Now, truncated to whole microseconds: the precision every supported database keeps.</summary>
    private DateTimeOffset Now()
    {
        var utc = time.GetUtcNow();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % 10), TimeSpan.Zero);
    }
}
