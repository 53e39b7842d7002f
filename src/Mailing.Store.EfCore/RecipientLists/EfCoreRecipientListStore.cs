using Mailing.RecipientLists.StoreKit;
using Mailing.Store.EfCore.Dialects;
using Mailing.Store.EfCore.Dialects.Postgres;
using Mailing.Store.EfCore.Dialects.Sqlite;
using Mailing.Store.EfCore.Entities;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;

// string.Compare in these queries is translated to SQL "a > b": the database's collation orders
// keyset pages, consistently with ORDER BY, so no .NET comparison is involved.
#pragma warning disable CA1309

namespace Mailing.Store.EfCore.RecipientLists;

/// <summary>
/// The EF Core recipient-list store. Lifetime: scoped, sharing the scope's <typeparamref name="TContext"/>.
/// Writes run in one transaction; the list row is locked first (a no-op update) so writers of
/// the same list queue up instead of interleaving, and counters move by deltas in that transaction.
/// </summary>
internal sealed class EfCoreRecipientListStore<TContext>(
    TContext db, TimeProvider time, MembershipKit kit, IOptions<MailingEntityFrameworkCoreOptions> storeOptions, SqliteWriteGate writeGate)
    : IRecipientListStore
    where TContext : DbContext
{
    private DbSet<RecipientListEntity> Lists => db.Set<RecipientListEntity>();

    private DbSet<RecipientListMemberEntity> Members => db.Set<RecipientListMemberEntity>();

    /// <summary>SQLite: one writer per database (see <see cref="SqliteWriteGate"/>).</summary>
    public bool WritesOneAtATime => Dialects.StoreDialect.For(db).WritesOneAtATime;

    public Task<RecipientListUpsertResult> UpsertListAsync(MailingScope scope, string key, ListDefinitionWrite definition, CancellationToken cancellationToken)
    {
        EnsureNoAmbientTransaction();

        // Replayable, so a retrying execution strategy (EnableRetryOnFailure) may run it again.
        return writeGate.WriteAsync(db, token => db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);
            var (list, outcome) = await EnsureListAsync(scope, key, definition, updateExisting: true, Now(), ct).ConfigureAwait(false);
            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return new RecipientListUpsertResult(list.ToModel(), outcome);
        }, token), cancellationToken);
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
        EnsureNoAmbientTransaction();

        // The members arrive as a stream that cannot be read twice: a retrying execution strategy
        // that tried to replay this would fail on the second read instead of applying an empty snapshot.
        // A dry run reads only: it takes no place in the SQLite write queue.
        var once = new ReadOnce<MemberWrite>(members);
        Task<MembershipChangeResult> Apply(CancellationToken token) =>
            db.Database.CreateExecutionStrategy().ExecuteAsync(ct => ApplyOnceAsync(scope, listKey, change, once, ct), token);
        return change.DryRun
            ? await Apply(cancellationToken).ConfigureAwait(false)
            : await writeGate.WriteAsync(db, Apply, cancellationToken).ConfigureAwait(false);
    }

    private async Task<MembershipChangeResult> ApplyOnceAsync(
        MailingScope scope, string listKey, MembershipChange change, IAsyncEnumerable<MemberWrite> members, CancellationToken cancellationToken)
    {
        var now = Now();

        // A dry run reads inside a transaction too, for one consistent view, and rolls it back.
        await using var transaction = await BeginAsync(change.DryRun, cancellationToken).ConfigureAwait(false);
        RecipientListEntity? list;
        if (change.DryRun)
        {
            list = await FindListEntityAsync(scope, listKey, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // From a member request, the list fields only create a missing list; PUT on the list changes them.
            (list, _) = await EnsureListAsync(scope, listKey, change.List, updateExisting: false, now, cancellationToken).ConfigureAwait(false);
            await LockListAsync(list, cancellationToken).ConfigureAwait(false);
        }

        var run = kit.StartRun(scope, list?.Id, change, now);
        var (writer, items) = await ChooseWriterAsync(members, cancellationToken).ConfigureAwait(false);
        await writer.ApplyAsync(run, items, cancellationToken).ConfigureAwait(false);

        if (change.DryRun)
        {
            await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
            return run.ToResult(list?.ToModel());
        }

        await UpdateListAfterRunAsync(list!, run, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return run.ToResult((await FindListEntityAsync(scope, listKey, cancellationToken).ConfigureAwait(false))?.ToModel());
    }

    /// <summary>
    /// PostgreSQL takes the set-based path once a request has more than the configured number of
    /// items (it looks ahead that far); smaller requests and other databases take the batched path.
    /// </summary>
    private async Task<(IMembershipWriter Writer, IAsyncEnumerable<MemberWrite> Items)> ChooseWriterAsync(
        IAsyncEnumerable<MemberWrite> members, CancellationToken cancellationToken)
    {
        if (!Dialects.StoreDialect.For(db).HasSetBasedMembershipPath)
        {
            return (new BatchedMembershipWriter(db), members);
        }

        var settings = storeOptions.Value;
        var (head, rest) = await Lookahead.PeekAsync(members, settings.PostgresSetBasedThreshold + 1, cancellationToken).ConfigureAwait(false);
        return head.Count > settings.PostgresSetBasedThreshold
            ? (new PostgresMembershipWriter(db, settings.PostgresWorkMem, settings.PostgresFewRows), rest)
            : (new BatchedMembershipWriter(db), rest);
    }

    /// <summary>Begins the run's transaction; a SQLite dry run reads in a deferred one, so it does not block writers.</summary>
    private async Task<IDbContextTransaction> BeginAsync(bool dryRun, CancellationToken cancellationToken)
    {
        return dryRun
            ? await Dialects.StoreDialect.For(db).BeginReadTransactionAsync(db, cancellationToken).ConfigureAwait(false)
            : await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
    }

    private void EnsureNoAmbientTransaction()
    {
        if (db.Database.CurrentTransaction is not null)
        {
            throw new InvalidOperationException(
                "Mailing's store runs each write in its own transaction, but the DbContext already has one open. " +
                "Call Mailing outside your transaction, or use a separate DbContext instance for Mailing.");
        }
    }

    private async Task UpdateListAfterRunAsync(RecipientListEntity list, MembershipRun run, CancellationToken cancellationToken)
    {
        var update = run.ListUpdate;
        if (!update.ChangesCounters && update.Reconcile is null)
        {
            return;
        }

        var status = update.Reconcile?.Status.ToString();
        var summary = update.Reconcile is { } report ? EntityMapping.SerializeCounts(report.Counts) : null;
        await Lists.Where(l => l.ClientId == list.ClientId && l.Id == list.Id).ExecuteUpdateAsync(
            s =>
            {
                if (update.ChangesCounters)
                {
                    s.SetProperty(l => l.MemberCount, l => l.MemberCount + update.MemberCountDelta)
                     .SetProperty(l => l.ActiveMemberCount, l => l.ActiveMemberCount + update.ActiveMemberCountDelta)
                     .SetProperty(l => l.UpdatedAt, run.Now);
                }

                if (update.Reconcile is not null)
                {
                    s.SetProperty(l => l.LastReconciledAt, run.Now)
                     .SetProperty(l => l.LastReconcileStatus, status)
                     .SetProperty(l => l.LastReconcileSummary, summary);
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Finds the list, creating it or updating its definition as needed (tracked changes are saved here).</summary>
    private async Task<(RecipientListEntity List, ListUpsertOutcome Outcome)> EnsureListAsync(
        MailingScope scope, string key, ListDefinitionWrite? definition, bool updateExisting, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var list = await Lists.SingleOrDefaultAsync(
                l => l.ClientId == scope.ClientId && l.Audience == scope.Audience && l.Key == key, cancellationToken).ConfigureAwait(false);
            if (list is not null)
            {
                if (!updateExisting || definition is null
                    || (list.Type == definition.Type && list.Name == definition.Name && list.Metadata == definition.MetadataJson))
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

    private DateTimeOffset Now() => StoreClock.Now(time);
}
