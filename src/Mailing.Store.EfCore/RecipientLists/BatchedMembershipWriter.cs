using Mailing.RecipientLists.StoreKit;
using Mailing.Store.EfCore.Contacts;
using Mailing.Store.EfCore.Entities;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;

// string.Compare in these queries is translated to SQL "a > b" (see EfCoreRecipientListStore).
#pragma warning disable CA1309

namespace Mailing.Store.EfCore.RecipientLists;

/// <summary>
/// The portable path (SQLite, and PostgreSQL for small requests): 500 items at a time, a query for
/// their contacts (creating the missing ones), two for the memberships they touch (by key, by contact),
/// one batched save, all in the caller's transaction. Deferred items (see <see cref="MembershipRules"/>)
/// are judged after the stream ends. While a request into an existing list arrives in source-key order,
/// a chunk reads the rows with its keys (and their contacts, by id) first, and resolves contacts by
/// address only for the items those rows do not settle (<see cref="OrderedRequest"/>).
/// Every chunk judges the rows as they were before the request: a contact whose row an earlier chunk
/// moved to another contact is judged by that row (<see cref="MembershipRun.Vacated"/>).
/// </summary>
internal sealed class BatchedMembershipWriter(DbContext db) : IMembershipWriter
{
    private const int ChunkSize = 500;

    private DbSet<RecipientListMemberEntity> Members => db.Set<RecipientListMemberEntity>();

    private DbSet<ContactEntity> Contacts => db.Set<ContactEntity>();

    public async Task ApplyAsync(MembershipRun run, IAsyncEnumerable<MemberWrite> members, CancellationToken cancellationToken)
    {
        // Before any contact is read: a contact deleted meanwhile is then either gone from the reads or
        // not deleted until this commits (see ContactWriteLock). On PostgreSQL this path takes only
        // requests it has already read whole, so the lock is not held while a body arrives.
        if (!run.Change.DryRun)
        {
            await ContactWriteLock.AcquireAsync(db, run.Scope, cancellationToken).ConfigureAwait(false);
        }

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
        var ordered = run.StaysOrdered(chunk);
        var candidates = run.Screen(chunk);
        if (candidates.Count == 0)
        {
            return;
        }

        if (ordered && run is { Ordered: { } request, ListId: { } listId })
        {
            await ApplyOrderedAsync(run, request, listId, contacts, candidates, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var contactIds = await contacts.ResolveAsync(candidates, cancellationToken).ConfigureAwait(false);
            var existing = await LoadMembersAsync(run, candidates, contactIds, cancellationToken).ConfigureAwait(false);
            foreach (var item in candidates)
            {
                Guid? contactId = contactIds.TryGetValue(item.NormalizedEmail, out var id) ? id : null;
                var keyRow = existing.ByKey.GetValueOrDefault(item.SourceObjectKey);
                var contactRow = contactId is { } cid ? existing.ByContact.GetValueOrDefault(cid) : null;
                Judge(run, item, contactId, keyRow, contactRow);
            }
        }

        if (!run.Change.DryRun)
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }

        db.ChangeTracker.Clear();
    }

    /// <summary>
    /// The candidates of a chunk of a request in source-key order (see <see cref="OrderedRequest"/>): settled items
    /// are judged by their row alone; only open items have their contacts resolved.
    /// </summary>
    private async Task ApplyOrderedAsync(
        MembershipRun run, OrderedRequest request, Guid listId, ContactResolver contacts, List<ValidMember> candidates, CancellationToken cancellationToken)
    {
        var byKey = await LoadByKeyAsync(run, listId, candidates, cancellationToken).ConfigureAwait(false);
        var judged = new List<OrderedCandidate>(candidates.Count);
        foreach (var item in candidates)
        {
            var keyed = byKey.GetValueOrDefault(item.SourceObjectKey);
            var settled = OrderedRequest.Settles(item, View(run, keyed?.Row), keyed?.ContactEmail, keyed?.ContactName);
            if (settled)
            {
                request.Settle(item);
            }

            judged.Add(new OrderedCandidate(item, keyed?.Row, settled));
        }

        // For open items: the row their address's contact holds in the list, if any.
        var open = judged.Where(c => !c.Settled).ToList();
        if (open.Count > 0)
        {
            var byEmail = await LoadHeldByEmailAsync(run, listId, [.. open.Select(c => c.Item.NormalizedEmail)], cancellationToken).ConfigureAwait(false);
            foreach (var candidate in open)
            {
                candidate.Held = byEmail.GetValueOrDefault(candidate.Item.NormalizedEmail);
                request.Open(candidate.Item, candidate.Held?.SourceObjectKey);
            }
        }

        foreach (var candidate in judged)
        {
            candidate.Repeated = request.RepeatsEmail(candidate.Item, candidate.Settled, candidate.Held?.SourceObjectKey);
        }

        // Resolving may save contacts and clear the change tracker, so rows are attached when staged, after it.
        var toResolve = judged.Where(c => !c.Repeated && !c.Settled).Select(c => c.Item).ToList();
        var contactIds = toResolve.Count == 0 ? [] : await contacts.ResolveAsync(toResolve, cancellationToken).ConfigureAwait(false);
        foreach (var candidate in judged)
        {
            var item = candidate.Item;
            if (candidate.Repeated)
            {
                run.Results.Add(item.Index, item.SourceObjectKey, MemberOutcome.DuplicateContact, error: MembershipRules.RepeatedEmail(item.Email));
            }
            else if (candidate is { Settled: true, KeyRow: { } row })
            {
                Apply(run, item, row.ContactId, MembershipRules.DecideByKey(item, row.ContactId, View(run, row)), row);
            }
            else
            {
                Guid? contactId = contactIds.TryGetValue(item.NormalizedEmail, out var id) ? id : null;
                Judge(run, item, contactId, candidate.KeyRow, candidate.Held?.ContactId == contactId ? candidate.Held : null);
            }
        }
    }

    /// <summary>Judges an item by the rows with its key and held by its contact: deferred, or decided by key.</summary>
    private void Judge(MembershipRun run, ValidMember item, Guid? contactId, RecipientListMemberEntity? keyRow, RecipientListMemberEntity? contactRow)
    {
        var byKey = View(run, keyRow);
        if (contactId is { } id && (View(run, contactRow) ?? run.Vacated(id)) is { } held && MembershipRules.IsDeferred(byKey, held))
        {
            run.Defer(new DeferredItem(item, id, byKey, held));
            return;
        }

        Apply(run, item, contactId, MembershipRules.DecideByKey(item, contactId, byKey), keyRow);
    }

    /// <summary>The list's rows with the chunk's source keys (untracked), each with its contact's current address and name.</summary>
    /// <remarks>
    /// Two single-table queries rather than a join: right after a large load the statistics still describe
    /// small tables, and a join planned on them can scan the address book once per row.
    /// </remarks>
    private async Task<Dictionary<string, KeyedRow>> LoadByKeyAsync(MembershipRun run, Guid listId, List<ValidMember> candidates, CancellationToken cancellationToken)
    {
        var clientId = run.Scope.ClientId;
        var keys = candidates.Select(c => c.SourceObjectKey).ToList();
        var rows = await Members.AsNoTracking()
            .Where(m => m.ClientId == clientId && m.ListId == listId && keys.Contains(m.SourceObjectKey))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var contactIds = rows.Select(r => r.ContactId).Distinct().ToList();
        var contacts = contactIds.Count == 0 ? [] : await Contacts.AsNoTracking()
            .Where(c => c.ClientId == clientId && contactIds.Contains(c.Id))
            .Select(c => new { c.Id, c.Audience, c.NormalizedEmail, c.Name })
            .ToDictionaryAsync(c => c.Id, cancellationToken).ConfigureAwait(false);
        return rows.ToDictionary(
            r => r.SourceObjectKey,
            r => contacts.TryGetValue(r.ContactId, out var c) && c.Audience == run.Scope.Audience
                ? new KeyedRow(r, c.NormalizedEmail, c.Name)
                : new KeyedRow(r, null, null),
            StringComparer.Ordinal);
    }

    /// <summary>The list's rows (untracked) held by the existing contacts that have the given addresses, by address.</summary>
    private async Task<Dictionary<string, RecipientListMemberEntity>> LoadHeldByEmailAsync(
        MembershipRun run, Guid listId, List<string> emails, CancellationToken cancellationToken)
    {
        var clientId = run.Scope.ClientId;
        var audience = run.Scope.Audience;
        var contacts = await Contacts.AsNoTracking()
            .Where(c => c.ClientId == clientId && c.Audience == audience && c.NormalizedEmail != null && emails.Contains(c.NormalizedEmail))
            .Select(c => new { c.Id, Email = c.NormalizedEmail! })
            .ToDictionaryAsync(c => c.Id, c => c.Email, cancellationToken).ConfigureAwait(false);
        if (contacts.Count == 0)
        {
            return [];
        }

        var ids = contacts.Keys.ToList();
        var rows = await Members.AsNoTracking()
            .Where(m => m.ClientId == clientId && m.ListId == listId && ids.Contains(m.ContactId))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.ToDictionary(r => contacts[r.ContactId], StringComparer.Ordinal);
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
        foreach (var deferred in run.Deferred)
        {
            var (verdict, _) = run.JudgeDeferred(deferred, heldKeyInRequest: run.SeenKey(deferred.Held.SourceObjectKey));
            Apply(run, deferred.Item, deferred.ContactId, verdict, verdict.RowId is { } rowId ? rows.GetValueOrDefault(rowId) : null);
            if (!run.Change.DryRun && verdict.Writes)
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        db.ChangeTracker.Clear();
    }

    /// <summary>Reports a verdict, claims its row and (unless a dry run) stages the change.</summary>
    private void Apply(MembershipRun run, ValidMember item, Guid? contactId, MembershipVerdict verdict, RecipientListMemberEntity? row)
    {
        if (verdict is { Outcome: MemberOutcome.DuplicateContact, Error: { } conflict } && run.Change.RejectConflicts)
        {
            throw new MailingConflictException("Email", conflict);
        }

        run.Results.Add(item.Index, item.SourceObjectKey, verdict.Outcome, contactId, verdict.Error);
        if (verdict.RowId is { } rowId)
        {
            if (row is not null && row.ContactId != contactId && View(run, row) is { } before)
            {
                run.Vacate(before);
            }

            run.Claim(rowId);
        }

        if (!run.Change.DryRun && verdict.Writes)
        {
            // Outside a dry run every item's contact exists by now (the resolver created the missing ones).
            Stage(run, item, contactId ?? throw new InvalidOperationException("A member write lacks its contact."), verdict.Outcome == MemberOutcome.Added ? null : row);
        }
    }

    private static MembershipRow? View(MembershipRun run, RecipientListMemberEntity? row) =>
        row is null ? null
        : new MembershipRow(row.Id, row.SourceObjectKey, row.ContactId, row.EmailSnapshot, row.Metadata, row.Active, run.IsClaimed(row.Id));

    /// <summary>Adds a new row (<paramref name="row"/> null), or changes the existing one (attaching it when loaded untracked).</summary>
    private void Stage(MembershipRun run, ValidMember item, Guid contactId, RecipientListMemberEntity? row)
    {
        if (row is not null && db.Entry(row).State == EntityState.Detached)
        {
            db.Attach(row);
        }

        if (row is null)
        {
            row = new RecipientListMemberEntity
            {
                ClientId = run.Scope.ClientId,
                Id = Guid.CreateVersion7(run.Now),
                ListId = run.ListId ?? throw new InvalidOperationException("A run that writes has a list."),
                EmailSnapshot = item.Email,
                SourceObjectKey = item.SourceObjectKey,
                Metadata = item.MetadataJson,
                CreatedAt = run.Now,
            };
            Members.Add(row);
        }

        row.SourceObjectKey = item.SourceObjectKey;
        row.ContactId = contactId;
        row.EmailSnapshot = item.Email;
        row.Metadata = item.MetadataJson;
        row.Active = true;
        row.RemovedAt = null;
        row.UpdatedAt = run.Now;
    }

    /// <summary>Loads (tracked) the list's rows matching the chunk's source keys or contacts.</summary>
    private async Task<MemberLookup> LoadMembersAsync(
        MembershipRun run, List<ValidMember> candidates, IReadOnlyDictionary<string, Guid> contactIds, CancellationToken cancellationToken)
    {
        if (run.ListId is not { } listId)
        {
            return MemberLookup.Empty;
        }

        // Two queries rather than one with "key IN … OR contact IN …", which SQLite answers by scanning the list.
        var keys = candidates.Select(c => c.SourceObjectKey).ToList();
        var contacts = contactIds.Values.Where(id => id != Guid.Empty).Distinct().ToList();
        var list = Members.Where(m => m.ClientId == run.Scope.ClientId && m.ListId == listId);
        var byKey = await ReadAsync(list.Where(m => keys.Contains(m.SourceObjectKey))).ConfigureAwait(false);
        var byContact = contacts.Count == 0 ? [] : await ReadAsync(list.Where(m => contacts.Contains(m.ContactId))).ConfigureAwait(false);
        return new MemberLookup(byKey.Concat(byContact));

        // Tracked rows are the same instance in both results; untracked ones are equal copies.
        Task<List<RecipientListMemberEntity>> ReadAsync(IQueryable<RecipientListMemberEntity> query) =>
            (run.Change.DryRun ? query.AsNoTracking() : query).ToListAsync(cancellationToken);
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

/// <summary>A row of the list with its contact's current address and name (null when the contact is outside the scope).</summary>
internal sealed record KeyedRow(RecipientListMemberEntity Row, string? ContactEmail, string? ContactName);

/// <summary>A candidate of a chunk in source-key order, with what the chunk's reads told about it.</summary>
/// <param name="Item">The item.</param>
/// <param name="KeyRow">The list's row with its source key, if any.</param>
/// <param name="Settled">Whether it is settled on that row (see <see cref="OrderedRequest"/>).</param>
internal sealed record OrderedCandidate(ValidMember Item, RecipientListMemberEntity? KeyRow, bool Settled)
{
    /// <summary>For an open item: the row its address's contact holds in the list, if any.</summary>
    public RecipientListMemberEntity? Held { get; set; }

    /// <summary>Whether an earlier item of the request has its address.</summary>
    public bool Repeated { get; set; }
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
