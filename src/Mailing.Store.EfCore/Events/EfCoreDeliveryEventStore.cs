using System.Text.Json;
using Mailing.Events;
using Mailing.Store.EfCore.Campaigns;
using Mailing.Store.EfCore.Dialects;
using Mailing.Store.EfCore.Entities;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;

namespace Mailing.Store.EfCore.Events;

/// <summary>
/// The EF Core delivery event store. Lifetime: scoped, sharing the scope's <typeparamref name="TContext"/>.
/// A batch is deduplicated against itself and the stored events, then stored and projected. On PostgreSQL that is two
/// statements per batch (<see cref="PostgresEventStatements"/>): the rows as arrays with <c>ON CONFLICT DO NOTHING</c>,
/// and one update folding the events into their deliveries under row locks. On SQLite (one writer at a time) the
/// rows go in one statement batch (one insert per event when a concurrent writer stored one of them first), and each
/// delivery is projected with an optimistic update (<c>WHERE lock_version = @read</c>) that re-reads and retries when
/// another writer got there first.
/// </summary>
internal sealed class EfCoreDeliveryEventStore<TContext>(TContext db, TimeProvider time) : IDeliveryEventStore
    where TContext : DbContext
{
    private const int MaxProjectionAttempts = 200;

    private readonly StoreDialect _dialect = StoreDialect.For(db);

    private DbSet<DeliveryEventEntity> Events => db.Set<DeliveryEventEntity>();

    private DbSet<DeliveryEntity> Deliveries => db.Set<DeliveryEntity>();

    public async Task<IReadOnlyList<StoredEventResult>> AppendAsync(
        string clientId, IReadOnlyList<DeliveryEventInput> events, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var results = new StoredEventResult[events.Count];
        if (events.Count == 0)
        {
            return results;
        }

        // Duplicates: of an earlier event of this batch, or of a stored one. PostgreSQL finds the stored ones as it inserts
        // (ON CONFLICT DO NOTHING), so only those it left out are read back; SQLite reads them first.
        var firstOfKey = new Dictionary<(string, string), int>();
        var stored = _dialect.BindsArrays
            ? []
            : await StoredAsync(clientId, [.. events.Select(e => (e.Provider!, e.ProviderEventId!))], cancellationToken).ConfigureAwait(false);

        // Deliveries, by id and by provider message id, of this client only.
        var deliveryIds = events.Where(e => e.DeliveryId is not null).Select(e => e.DeliveryId!.Value).Distinct().ToList();
        var messageIds = events.Where(e => e.DeliveryId is null && e.ProviderMessageId is not null).Select(e => e.ProviderMessageId!).Distinct().ToList();

        // Two lookups, each on its own index (one OR over both columns would scan the client's deliveries).
        var deliveries = new List<LinkedDelivery>();
        if (deliveryIds.Count > 0)
        {
            deliveries.AddRange(await Deliveries.AsNoTracking().Where(d => d.ClientId == clientId && deliveryIds.Contains(d.Id))
                .Select(d => new LinkedDelivery(d.Id, d.CampaignId, d.Recipient, d.Stream, d.ProviderMessageId))
                .ToListAsync(cancellationToken).ConfigureAwait(false));
        }

        if (messageIds.Count > 0)
        {
            deliveries.AddRange(await Deliveries.AsNoTracking()
                .Where(d => d.ClientId == clientId && d.ProviderMessageId != null && messageIds.Contains(d.ProviderMessageId))
                .Select(d => new LinkedDelivery(d.Id, d.CampaignId, d.Recipient, d.Stream, d.ProviderMessageId))
                .ToListAsync(cancellationToken).ConfigureAwait(false));
        }

        var byId = deliveries.DistinctBy(d => d.Id).ToDictionary(d => d.Id);
        var byMessageId = deliveries.Where(d => d.ProviderMessageId is not null).GroupBy(d => d.ProviderMessageId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

        var fresh = new List<(int Index, DeliveryEventEntity Row, LinkedDelivery? Delivery)>();
        var copies = new List<(int Index, int First)>();
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var key = (e.Provider!, e.ProviderEventId!);
            if (stored.TryGetValue(key, out var old))
            {
                results[i] = new StoredEventResult(DeliveryEventOutcome.Duplicate, old.Id, old.DeliveryId, old.Recipient, null);
                continue;
            }

            if (firstOfKey.TryGetValue(key, out var first))
            {
                copies.Add((i, first)); // answered once the first is settled (it may turn out a duplicate itself)
                continue;
            }

            LinkedDelivery? delivery = null;
            if (e.DeliveryId is { } named)
            {
                if (!byId.TryGetValue(named, out delivery))
                {
                    results[i] = new StoredEventResult(DeliveryEventOutcome.Rejected, null, null, null, null);
                    continue;
                }
            }
            else if (e.ProviderMessageId is { } messageId)
            {
                byMessageId.TryGetValue(messageId, out delivery);
            }

            var row = ToEntity(clientId, e, delivery, now);
            firstOfKey[key] = i;
            fresh.Add((i, row, delivery));
            results[i] = new StoredEventResult(
                delivery is null ? DeliveryEventOutcome.Orphaned : DeliveryEventOutcome.Applied, row.Id, delivery?.Id,
                row.Recipient ?? delivery?.Recipient, delivery is null ? null : StoredEnum<MessageStream>.Parse(delivery.Stream));
        }

        var rows = fresh.Select(f => f.Row).ToList();
        var inserted = _dialect.BindsArrays
            ? await PostgresEventStatements.InsertAsync(db, StoreTables.Of(db), rows, cancellationToken).ConfigureAwait(false)
            : await InsertAsync(rows, cancellationToken).ConfigureAwait(false);
        var lost = fresh.Where(f => !inserted.Contains(f.Row.Id)).ToList();
        if (lost.Count > 0)
        {
            // Another writer stored these first (or, on PostgreSQL, an earlier batch did): duplicates of the stored event.
            var winners = await StoredAsync(clientId, [.. lost.Select(f => (f.Row.Provider, f.Row.ProviderEventId))], cancellationToken).ConfigureAwait(false);
            foreach (var (index, row, _) in lost)
            {
                var winner = winners[(row.Provider, row.ProviderEventId)];
                results[index] = new StoredEventResult(DeliveryEventOutcome.Duplicate, winner.Id, winner.DeliveryId, winner.Recipient, null);
            }
        }

        foreach (var (index, first) in copies)
        {
            results[index] = results[first] with { Outcome = DeliveryEventOutcome.Duplicate };
        }

        var applied = fresh.Where(f => f.Delivery is not null && inserted.Contains(f.Row.Id))
            .Select(f => new ProjectedEvent(f.Delivery!.Id, StoredEnum<DeliveryEventType>.Parse(f.Row.EventType), f.Row.OccurredAt)).ToList();
        await ProjectAsync(clientId, applied, now, cancellationToken).ConfigureAwait(false);

        return results;
    }

    public async Task<int> LinkOrphansAsync(string clientId, IReadOnlyCollection<string> providerMessageIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(providerMessageIds);
        if (providerMessageIds.Count == 0)
        {
            return 0;
        }

        var ids = providerMessageIds.ToList();
        var orphans = await Events.AsNoTracking()
            .Where(e => e.ClientId == clientId && e.DeliveryId == null && e.ProviderMessageId != null && ids.Contains(e.ProviderMessageId))
            .Select(e => new { e.Id, e.ProviderMessageId, e.EventType, e.OccurredAt })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        if (orphans.Count == 0)
        {
            return 0;
        }

        var orphanMessageIds = orphans.Select(o => o.ProviderMessageId!).Distinct().ToList();
        var deliveries = await Deliveries.AsNoTracking()
            .Where(d => d.ClientId == clientId && d.ProviderMessageId != null && orphanMessageIds.Contains(d.ProviderMessageId))
            .Select(d => new { d.Id, d.CampaignId, d.ProviderMessageId })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var linked = 0;
        var applied = new List<ProjectedEvent>();
        foreach (var delivery in deliveries)
        {
            var mine = orphans.Where(o => o.ProviderMessageId == delivery.ProviderMessageId).ToList();
            var eventIds = mine.Select(o => o.Id).ToList();

            // Only the writer that links an orphan projects it, so two linkers never apply it twice (applying is idempotent anyway).
            var changed = await Events.Where(e => e.ClientId == clientId && eventIds.Contains(e.Id) && e.DeliveryId == null)
                .ExecuteUpdateAsync(u => u.SetProperty(e => e.DeliveryId, delivery.Id).SetProperty(e => e.CampaignId, delivery.CampaignId), cancellationToken)
                .ConfigureAwait(false);
            if (changed > 0)
            {
                linked += changed;
                applied.AddRange(mine.Select(o => new ProjectedEvent(delivery.Id, StoredEnum<DeliveryEventType>.Parse(o.EventType), o.OccurredAt)));
            }
        }

        await ProjectAsync(clientId, applied, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return linked;
    }

    public async Task<IReadOnlyList<DeliveryEvent>?> ListAsync(string clientId, Guid campaignId, Guid deliveryId, CancellationToken cancellationToken)
    {
        if (!await Deliveries.AnyAsync(d => d.ClientId == clientId && d.Id == deliveryId && d.CampaignId == campaignId, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var rows = await Events.AsNoTracking().Where(e => e.ClientId == clientId && e.DeliveryId == deliveryId)
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.OrderBy(r => r.OccurredAt).ThenBy(r => r.Id).Select(ToModel)];
    }

    public async Task<DeliveryProjection?> FindProjectionAsync(string clientId, Guid deliveryId, CancellationToken cancellationToken) =>
        await ReadProjectionAsync(clientId, deliveryId, cancellationToken).ConfigureAwait(false);

    /// <summary>The stored events with these (provider, provider event id) keys.</summary>
    private async Task<Dictionary<(string Provider, string ProviderEventId), StoredKey>> StoredAsync(
        string clientId, IReadOnlyCollection<(string Provider, string ProviderEventId)> keys, CancellationToken cancellationToken)
    {
        var providers = keys.Select(k => k.Provider).Distinct().ToList();
        var eventIds = keys.Select(k => k.ProviderEventId).Distinct().ToList();
        var rows = await Events.AsNoTracking()
            .Where(e => e.ClientId == clientId && providers.Contains(e.Provider) && eventIds.Contains(e.ProviderEventId))
            .Select(e => new StoredKey(e.Provider, e.ProviderEventId, e.Id, e.DeliveryId, e.Recipient))
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.ToDictionary(e => (e.Provider, e.ProviderEventId));
    }

    /// <summary>Folds stored events into their deliveries' projections: one statement on PostgreSQL, else delivery by delivery.</summary>
    private async Task ProjectAsync(string clientId, List<ProjectedEvent> applied, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_dialect.BindsArrays)
        {
            await PostgresEventStatements.ProjectAsync(db, StoreTables.Of(db), clientId, applied, now, cancellationToken).ConfigureAwait(false);
            return;
        }

        foreach (var delivery in applied.GroupBy(e => e.DeliveryId))
        {
            await ProjectOneAsync(clientId, delivery.Key, [.. delivery.Select(e => (e.Type, e.At))], now, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Folds the events into the delivery's projection: read, fold, write if the version is unchanged, else again.</summary>
    private async Task ProjectOneAsync(
        string clientId, Guid deliveryId, IReadOnlyList<(DeliveryEventType Type, DateTimeOffset At)> applied, DateTimeOffset now, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var before = await ReadProjectionAsync(clientId, deliveryId, cancellationToken).ConfigureAwait(false);
            if (before is null)
            {
                return;
            }

            var after = applied.Aggregate(before, (p, e) => DeliveryProjectionRules.Apply(p, e.Type, e.At));
            if (!DeliveryProjectionRules.Changed(before, after))
            {
                return;
            }

            var lastType = after.LastEventType is { } t ? StoredEnum<DeliveryEventType>.Name(t) : null;
            var version = before.LockVersion;
            var written = await Deliveries
                .Where(d => d.ClientId == clientId && d.Id == deliveryId && d.LockVersion == version)
                .ExecuteUpdateAsync(u => u
                    .SetProperty(d => d.DispatchedAt, after.DispatchedAt)
                    .SetProperty(d => d.DeliveredAt, after.DeliveredAt)
                    .SetProperty(d => d.BouncedAt, after.BouncedAt)
                    .SetProperty(d => d.ComplainedAt, after.ComplainedAt)
                    .SetProperty(d => d.SuppressedAt, after.SuppressedAt)
                    .SetProperty(d => d.Terminal, after.Terminal)
                    .SetProperty(d => d.LastEventType, lastType)
                    .SetProperty(d => d.LastEventAt, after.LastEventAt)
                    .SetProperty(d => d.LockVersion, version + 1)
                    .SetProperty(d => d.UpdatedAt, now), cancellationToken)
                .ConfigureAwait(false);
            if (written == 1)
            {
                return;
            }

            if (attempt >= MaxProjectionAttempts)
            {
                throw new ConcurrencyException($"Delivery {deliveryId}'s projection kept changing under {attempt} attempts to update it.");
            }

            await Task.Delay(Random.Shared.Next(0, Math.Min(50, attempt * 2)), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<DeliveryProjection?> ReadProjectionAsync(string clientId, Guid deliveryId, CancellationToken cancellationToken)
    {
        var row = await Deliveries.AsNoTracking().Where(d => d.ClientId == clientId && d.Id == deliveryId)
            .Select(d => new
            {
                d.DispatchedAt, d.DeliveredAt, d.BouncedAt, d.ComplainedAt, d.SuppressedAt, d.Terminal, d.LastEventType, d.LastEventAt, d.LockVersion,
            })
            .SingleOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return row is null ? null : new DeliveryProjection
        {
            DeliveryId = deliveryId,
            DispatchedAt = row.DispatchedAt,
            DeliveredAt = row.DeliveredAt,
            BouncedAt = row.BouncedAt,
            ComplainedAt = row.ComplainedAt,
            SuppressedAt = row.SuppressedAt,
            Terminal = row.Terminal,
            LastEventType = StoredEnum<DeliveryEventType>.ParseOrNull(row.LastEventType), // earlier versions stored 'expired'/'cancelled' here
            LastEventAt = row.LastEventAt,
            LockVersion = row.LockVersion,
        };
    }

    /// <summary>Inserts the rows; the ids of those stored (a row another writer stored first is left out).</summary>
    private async Task<HashSet<Guid>> InsertAsync(List<DeliveryEventEntity> rows, CancellationToken cancellationToken)
    {
        var inserted = new HashSet<Guid>();
        if (rows.Count == 0)
        {
            return inserted;
        }

        try
        {
            Events.AddRange(rows);
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            inserted.UnionWith(rows.Select(r => r.Id));
            return inserted;
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            db.ChangeTracker.Clear();
        }

        foreach (var row in rows)
        {
            try
            {
                Events.Add(row);
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                inserted.Add(row.Id);
            }
            catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
            {
                // A concurrent writer stored this event first: it is a duplicate.
            }
            finally
            {
                db.ChangeTracker.Clear();
            }
        }

        return inserted;
    }

    private static DeliveryEventEntity ToEntity(string clientId, DeliveryEventInput e, LinkedDelivery? delivery, DateTimeOffset now) => new()
    {
        ClientId = clientId,
        Id = Guid.CreateVersion7(now),
        Provider = e.Provider!,
        ProviderEventId = e.ProviderEventId!,
        EventType = StoredEnum<DeliveryEventType>.Name(e.Type!.Value),
        OccurredAt = e.Timestamp!.Value,
        ReceivedAt = now,
        ProviderMessageId = e.ProviderMessageId,
        DeliveryId = delivery?.Id,
        CampaignId = delivery?.CampaignId,
        Recipient = e.Recipient,
        RejectReason = e.RejectReason is { } r ? StoredEnum<RejectReason>.Name(r) : null,
        Description = e.Description,
        MtaResponse = e.MtaResponse,
        Payload = e.Payload is { ValueKind: not JsonValueKind.Undefined } payload ? payload.GetRawText() : null,
    };

    private static DeliveryEvent ToModel(DeliveryEventEntity e) => new()
    {
        Id = e.Id,
        Provider = e.Provider,
        ProviderEventId = e.ProviderEventId,
        Type = StoredEnum<DeliveryEventType>.Parse(e.EventType),
        Timestamp = e.OccurredAt,
        ReceivedAt = e.ReceivedAt,
        ProviderMessageId = e.ProviderMessageId,
        DeliveryId = e.DeliveryId,
        Recipient = e.Recipient,
        RejectReason = e.RejectReason is { } r ? StoredEnum<RejectReason>.Parse(r) : null,
        Description = e.Description,
        MtaResponse = e.MtaResponse,
    };

    private sealed record LinkedDelivery(Guid Id, Guid CampaignId, string Recipient, string Stream, string? ProviderMessageId);

    private sealed record StoredKey(string Provider, string ProviderEventId, Guid Id, Guid? DeliveryId, string? Recipient);

}
