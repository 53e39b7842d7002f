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
/// The portable path (SQLite, and PostgreSQL for small requests): 500 items at a time, one query
/// for their contacts, one for the memberships they touch, one batched save, all in the caller's
/// transaction. Deferred items (see <see cref="MembershipRules"/>) are judged after the stream ends.
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

        await ApplyDeferredAsync(run, cancellationToken).ConfigureAwait(false);
        if (run.Change.RemoveAbsent && run.ListId is { } listId)
        {
            await RemoveAbsentAsync(run, listId, cancellationToken).ConfigureAwait(false);
        }

        run.Results.Finish();
    }

    private async Task ApplyChunkAsync(MembershipRun run, ContactResolver contacts, MemberWrite[] chunk, CancellationToken cancellationToken)
    {
        var candidates = run.Screen(chunk);
        if (candidates.Count == 0)
        {
            return;
        }

        var contactIds = await contacts.ResolveAsync(candidates, cancellationToken).ConfigureAwait(false);
        var existing = await LoadMembersAsync(run, candidates, contactIds, cancellationToken).ConfigureAwait(false);
        foreach (var item in candidates)
        {
            Guid? contactId = contactIds.TryGetValue(item.NormalizedEmail!, out var id) ? id : null;
            var keyRow = existing.ByKey.GetValueOrDefault(item.SourceObjectKey!);
            var contactRow = contactId is { } cid ? existing.ByContact.GetValueOrDefault(cid) : null;
            var byKey = View(run, keyRow);
            if (View(run, contactRow) is { } held && MembershipRules.IsDeferred(byKey, held))
            {
                run.Deferred.Add(new DeferredItem(item, contactId!.Value, byKey, held));
                continue;
            }

            Apply(run, item, contactId, MembershipRules.DecideByKey(item, contactId, byKey), keyRow);
        }

        if (!run.Change.DryRun)
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        db.ChangeTracker.Clear();
    }

    /// <summary>Judges the deferred items in request order, saving each change before the next item relies on it.</summary>
    private async Task ApplyDeferredAsync(MembershipRun run, CancellationToken cancellationToken)
    {
        if (run.Deferred.Count == 0)
        {
            return;
        }

        var ids = run.Deferred.SelectMany(d => new[] { d.ByKey?.Id, d.Held.Id }).OfType<Guid>().Distinct().ToList();
        var rows = run.Change.DryRun
            ? []
            : await Members.Where(m => m.ClientId == run.Scope.ClientId && ids.Contains(m.Id)).ToDictionaryAsync(m => m.Id, cancellationToken).ConfigureAwait(false);
        foreach (var (item, contactId, byKey, held) in run.Deferred)
        {
            var verdict = MembershipRules.DecideDeferred(
                item,
                contactId,
                byKey is { } k ? k with { Claimed = run.IsClaimed(k.Id) } : null,
                held with { Claimed = run.IsClaimed(held.Id) },
                heldKeyInRequest: run.SeenKey(held.SourceObjectKey),
                run.Change.RemoveAbsent);
            Apply(run, item, contactId, verdict, verdict.RowId is { } rowId ? rows.GetValueOrDefault(rowId) : null);
            if (!run.Change.DryRun && verdict.Outcome is MemberOutcome.Added or MemberOutcome.Updated or MemberOutcome.Reactivated)
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        db.ChangeTracker.Clear();
    }

    /// <summary>Reports a verdict, claims its row and (unless a dry run) stages the change.</summary>
    private void Apply(MembershipRun run, MemberWrite item, Guid? contactId, MembershipRules.Verdict verdict, RecipientListMemberEntity? row)
    {
        if (verdict.Outcome == MemberOutcome.DuplicateContact && run.Change.RejectConflicts)
        {
            throw new MailingConflictException("Email", verdict.Error!);
        }

        run.Results.Add(item.Index, item.SourceObjectKey, verdict.Outcome, contactId, verdict.Error);
        if (verdict.RowId is { } rowId)
        {
            run.Claim(rowId);
        }

        if (!run.Change.DryRun && verdict.Outcome is MemberOutcome.Added or MemberOutcome.Updated or MemberOutcome.Reactivated)
        {
            Stage(run, item, contactId!.Value, verdict.Outcome == MemberOutcome.Added ? null : row);
        }
    }

    private static MembershipRules.Row? View(MembershipRun run, RecipientListMemberEntity? row) =>
        row is null ? null
        : new MembershipRules.Row(row.Id, row.SourceObjectKey, row.ContactId, row.EmailSnapshot, row.Metadata, row.Active, run.IsClaimed(row.Id));

    /// <summary>Adds a new row (<paramref name="row"/> null), or changes the existing tracked one.</summary>
    private void Stage(MembershipRun run, MemberWrite item, Guid contactId, RecipientListMemberEntity? row)
    {
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

    /// <summary>Soft-removes active members whose source key the run did not see and no item changed, walking the list by key.</summary>
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
            // A row an item changed is not absent: a re-keyed row carries a key of the request now, and a
            // dry run, which changed nothing, must report what the real run would do.
            var absent = page.Where(m => !run.SeenKey(m.SourceObjectKey) && !run.IsClaimed(m.Id)).ToList();
            foreach (var member in absent)
            {
                run.Results.Add(null, member.SourceObjectKey, MemberOutcome.Removed, member.ContactId);
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
