using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Mailing.Store.EfCore.Dialects;
using Mailing.Store.EfCore.Dialects.Postgres;
using Mailing.Store.EfCore.Dialects.Sqlite;
using Mailing.Store.EfCore.Entities;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;

namespace Mailing.Store.EfCore.Campaigns;

/// <summary>
/// The EF Core campaign store. Lifetime: scoped, sharing the scope's <typeparamref name="TContext"/>.
/// Status changes are single conditional updates (<c>WHERE status IN (…)</c>), so two callers racing for the
/// same change cannot both win. Delivery claims are one <c>UPDATE … WHERE id IN (SELECT … LIMIT n [FOR UPDATE
/// SKIP LOCKED]) RETURNING *</c>: each claim takes a fresh lease token and sets <c>next_attempt_at</c> to the
/// lease's end, so a delivery whose sender died is due again when its lease runs out; outcomes are written
/// only where the token is still the delivery's. On SQLite every write queues behind the database's
/// <see cref="SqliteWriteGate"/>, like the other stores' writes.
/// </summary>
internal sealed class EfCoreCampaignStore<TContext>(TContext db, SqliteWriteGate writeGate) : ICampaignStore
    where TContext : DbContext
{
    private const int InsertRowsPerStatement = 100;
    private const int OutcomesPerStatement = 100;

    private static readonly string[] OpenStatuses = StoredEnum<DeliveryStatus>.NamesOf([DeliveryStatus.Queued, DeliveryStatus.Deferred, DeliveryStatus.Sending]);
    // Terminal: nothing more will happen to the delivery. A sent message is not terminal (delivery events follow).
    private static readonly string[] TerminalStatuses = StoredEnum<DeliveryStatus>.NamesOf(
        [DeliveryStatus.Failed, DeliveryStatus.Suppressed, DeliveryStatus.Expired, DeliveryStatus.Cancelled]);

    // Final statuses that are also event types, so they may stand as the delivery's last event (sent as 'dispatched').
    // Expired and cancelled are not events: they leave the last event as it was.
    private static readonly string[] EventStatuses = StoredEnum<DeliveryStatus>.NamesOf([DeliveryStatus.Sent, DeliveryStatus.Failed, DeliveryStatus.Suppressed]);

    private static readonly string[] FinalCampaignStatuses = StoredEnum<CampaignStatus>.NamesOf([CampaignStatus.Completed, CampaignStatus.Cancelled, CampaignStatus.Expired, CampaignStatus.Failed]);

    private readonly StoreDialect _dialect = StoreDialect.For(db);
    private readonly StoreTables _tables = StoreTables.Of(db);

    private DbSet<CampaignEntity> Campaigns => db.Set<CampaignEntity>();

    private DbSet<DeliveryEntity> Deliveries => db.Set<DeliveryEntity>();

    // ---- campaigns ---------------------------------------------------------------------------------

    public Task InsertCampaignAsync(Campaign campaign, CancellationToken cancellationToken) =>
        writeGate.WriteAsync(db, ct => InsertCampaignNowAsync(campaign, ct), cancellationToken);

    private async Task<bool> InsertCampaignNowAsync(Campaign campaign, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        Campaigns.Add(campaign.ToEntity());
        await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        db.ChangeTracker.Clear();
        return true;
    }

    public async Task<Campaign?> FindCampaignAsync(string clientId, Guid id, CancellationToken cancellationToken) =>
        (await Campaigns.AsNoTracking().SingleOrDefaultAsync(c => c.ClientId == clientId && c.Id == id, cancellationToken).ConfigureAwait(false))?.ToModel();

    public async Task<IReadOnlyList<Campaign>> ListCampaignsAsync(
        string clientId, CampaignStatus? status, Guid? before, int take, CancellationToken cancellationToken)
    {
        var query = Campaigns.AsNoTracking().Where(c => c.ClientId == clientId);
        if (status is { } wanted)
        {
            var stored = StoredEnum<CampaignStatus>.Name(wanted);
            query = query.Where(c => c.Status == stored);
        }

        if (before is { } upper)
        {
            query = query.Where(c => c.Id.CompareTo(upper) < 0);
        }

        var rows = await query.OrderByDescending(c => c.Id).Take(take).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToModel())];
    }

    public Task<Campaign?> UpdateCampaignAsync(Campaign campaign, IReadOnlyCollection<CampaignStatus> from, CancellationToken cancellationToken) =>
        writeGate.WriteAsync(db, ct => UpdateCampaignNowAsync(campaign, from, ct), cancellationToken);

    private async Task<Campaign?> UpdateCampaignNowAsync(Campaign campaign, IReadOnlyCollection<CampaignStatus> from, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        var row = campaign.ToEntity();
        var allowed = StoredEnum<CampaignStatus>.NamesOf(from);
        var changed = await Campaigns
            .Where(c => c.ClientId == campaign.ClientId && c.Id == campaign.Id && allowed.Contains(c.Status))
            .ExecuteUpdateAsync(
                s => s.SetProperty(c => c.Name, row.Name)
                    .SetProperty(c => c.Channel, row.Channel)
                    .SetProperty(c => c.Stream, row.Stream)
                    .SetProperty(c => c.SubjectTemplate, row.SubjectTemplate)
                    .SetProperty(c => c.BodyTemplate, row.BodyTemplate)
                    .SetProperty(c => c.Audience, row.Audience)
                    .SetProperty(c => c.StartAt, row.StartAt)
                    .SetProperty(c => c.EndAt, row.EndAt)
                    .SetProperty(c => c.WindowFrom, row.WindowFrom)
                    .SetProperty(c => c.WindowTo, row.WindowTo)
                    .SetProperty(c => c.DefaultTimeZone, row.DefaultTimeZone)
                    .SetProperty(c => c.MessagesPerSecond, row.MessagesPerSecond)
                    .SetProperty(c => c.CorrelationId, row.CorrelationId)
                    .SetProperty(c => c.Metadata, row.Metadata)
                    .SetProperty(c => c.Status, row.Status)
                    .SetProperty(c => c.UpdatedAt, row.UpdatedAt),
                cancellationToken).ConfigureAwait(false);
        return changed == 0 ? null : await FindCampaignAsync(campaign.ClientId, campaign.Id, cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> DeleteCampaignAsync(string clientId, Guid id, IReadOnlyCollection<CampaignStatus> from, CancellationToken cancellationToken) =>
        writeGate.WriteAsync(db, ct => DeleteCampaignNowAsync(clientId, id, from, ct), cancellationToken);

    private async Task<bool> DeleteCampaignNowAsync(string clientId, Guid id, IReadOnlyCollection<CampaignStatus> from, CancellationToken cancellationToken)
    {
        var allowed = StoredEnum<CampaignStatus>.NamesOf(from);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var deleted = await Campaigns.Where(c => c.ClientId == clientId && c.Id == id && allowed.Contains(c.Status))
            .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        if (deleted > 0)
        {
            await Deliveries.Where(d => d.ClientId == clientId && d.CampaignId == id).ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted > 0;
    }

    public Task<Campaign?> TransitionAsync(
        string clientId, Guid id, IReadOnlyCollection<CampaignStatus> from, CampaignTransition change, CancellationToken cancellationToken) =>
        writeGate.WriteAsync(db, ct => TransitionNowAsync(clientId, id, from, change, ct), cancellationToken);

    private async Task<Campaign?> TransitionNowAsync(
        string clientId, Guid id, IReadOnlyCollection<CampaignStatus> from, CampaignTransition change, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var changed = await TransitionInTransactionAsync(clientId, id, from, change, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed ? await FindCampaignAsync(clientId, id, cancellationToken).ConfigureAwait(false) : null;
    }

    private async Task<bool> TransitionInTransactionAsync(
        string clientId, Guid id, IReadOnlyCollection<CampaignStatus> from, CampaignTransition change, CancellationToken cancellationToken)
    {
        var now = StoreClock.Truncate(change.Now);
        var allowed = StoredEnum<CampaignStatus>.NamesOf(from);
        var to = StoredEnum<CampaignStatus>.Name(change.To);
        var final = FinalCampaignStatuses.Contains(to);
        var ends = change.To is CampaignStatus.Cancelled or CampaignStatus.Expired or CampaignStatus.Failed;
        DateTimeOffset? finishedAt = final ? now : null;
        DateTimeOffset? sweepAt = ends ? now : null;
        var startAt = change.StartAt;
        var reason = change.Reason;
        var starts = change.To == CampaignStatus.Sending;
        var changed = await Campaigns
            .Where(c => c.ClientId == clientId && c.Id == id && allowed.Contains(c.Status))
            .ExecuteUpdateAsync(
                s => s.SetProperty(c => c.Status, to)
                    .SetProperty(c => c.UpdatedAt, now)
                    .SetProperty(c => c.StatusReason, c => reason ?? c.StatusReason)
                    .SetProperty(c => c.StartAt, c => startAt ?? c.StartAt)
                    .SetProperty(c => c.StartedAt, c => starts ? c.StartedAt ?? now : c.StartedAt)
                    .SetProperty(c => c.FinishedAt, c => final ? finishedAt : (DateTimeOffset?)null)
                    .SetProperty(c => c.SweepAt, sweepAt),
                cancellationToken).ConfigureAwait(false);
        if (changed > 0 && ends)
        {
            await EndOpenDeliveriesAsync(clientId, id, Ending(change.To), now, cancellationToken).ConfigureAwait(false);
        }

        return changed > 0;
    }

    /// <summary>What the unsent deliveries of a campaign that ends this way become.</summary>
    private static DeliveryStatus Ending(CampaignStatus status) => status switch
    {
        CampaignStatus.Cancelled => DeliveryStatus.Cancelled,
        CampaignStatus.Failed => DeliveryStatus.Failed,
        _ => DeliveryStatus.Expired,
    };

    /// <summary>Ends the deliveries nobody is sending: queued, deferred, and leased ones whose lease ran out.</summary>
    private Task<int> EndOpenDeliveriesAsync(string clientId, Guid campaignId, DeliveryStatus status, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stored = StoredEnum<DeliveryStatus>.Name(status);
        var sending = StoredEnum<DeliveryStatus>.Name(DeliveryStatus.Sending);
        return ExecuteAsync(
            $"""
            UPDATE {_tables.Deliveries} SET status = @p0, terminal = @p1, lease_token = NULL, next_attempt_at = NULL,
                   last_event_type = CASE WHEN @p0 IN ({In(EventStatuses)}) THEN @p0 ELSE last_event_type END,
                   last_event_at = CASE WHEN @p0 IN ({In(EventStatuses)}) THEN @p2 ELSE last_event_at END,
                   lock_version = lock_version + 1, updated_at = @p2
            WHERE client_id = @p3 AND campaign_id = @p4 AND status IN ({In(OpenStatuses)})
              AND (status <> '{sending}' OR next_attempt_at <= @p2)
            """,
            [stored, true, now, clientId, campaignId],
            cancellationToken);
    }

    // ---- the dispatcher's scans ----------------------------------------------------------------------

    public async Task<IReadOnlyList<Campaign>> StartDueCampaignsAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        var scheduled = StoredEnum<CampaignStatus>.Name(CampaignStatus.Scheduled);

        // Few rows: the scheduled campaigns of every client. Times are compared here, not in SQL (SQLite keeps them as text).
        var due = (await Campaigns.AsNoTracking().Where(c => c.Status == scheduled)
                .Select(c => new { c.ClientId, c.Id, c.StartAt }).ToListAsync(cancellationToken).ConfigureAwait(false))
            .Where(c => c.StartAt is { } at && at <= now).OrderBy(c => c.StartAt).Take(max);
        var started = new List<Campaign>();
        foreach (var campaign in due)
        {
            if (await TransitionAsync(campaign.ClientId, campaign.Id, [CampaignStatus.Scheduled], new CampaignTransition(CampaignStatus.Sending, now), cancellationToken)
                    .ConfigureAwait(false) is { } changed)
            {
                started.Add(changed);
            }
        }

        return started;
    }

    public async Task<IReadOnlyList<Campaign>> ExpireAndSweepAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        now = StoreClock.Truncate(now);
        CampaignStatus[] live = [CampaignStatus.Scheduled, CampaignStatus.Sending, CampaignStatus.Paused];
        var liveNames = StoredEnum<CampaignStatus>.NamesOf(live);
        var ending = (await Campaigns.AsNoTracking().Where(c => liveNames.Contains(c.Status) && c.EndAt != null)
                .Select(c => new { c.ClientId, c.Id, c.EndAt }).ToListAsync(cancellationToken).ConfigureAwait(false))
            .Where(c => c.EndAt <= now);
        var expired = new List<Campaign>();
        foreach (var campaign in ending)
        {
            var change = new CampaignTransition(CampaignStatus.Expired, now, "The campaign's end passed before every delivery was sent.");
            if (await TransitionAsync(campaign.ClientId, campaign.Id, live, change, cancellationToken).ConfigureAwait(false) is { } changed)
            {
                expired.Add(changed);
            }
        }

        // Deliveries that a crashed sender left leased in a cancelled or expired campaign end once their lease runs out.
        var sweeps = (await Campaigns.AsNoTracking().Where(c => c.SweepAt != null)
                .Select(c => new { c.ClientId, c.Id, c.Status, c.SweepAt }).ToListAsync(cancellationToken).ConfigureAwait(false))
            .Where(c => c.SweepAt <= now);
        var sending = StoredEnum<DeliveryStatus>.Name(DeliveryStatus.Sending);
        foreach (var campaign in sweeps)
        {
            var status = Ending(StoredEnum<CampaignStatus>.Parse(campaign.Status));
            await writeGate.WriteAsync(db, ct => EndOpenDeliveriesAsync(campaign.ClientId, campaign.Id, status, now, ct), cancellationToken).ConfigureAwait(false);
            var leased = await Deliveries.Where(d => d.ClientId == campaign.ClientId && d.CampaignId == campaign.Id && d.Status == sending)
                .AnyAsync(cancellationToken).ConfigureAwait(false);
            DateTimeOffset? next = leased ? now.AddMinutes(1) : null;
            await writeGate.WriteAsync(
                db,
                ct => Campaigns.Where(c => c.ClientId == campaign.ClientId && c.Id == campaign.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.SweepAt, next), ct),
                cancellationToken).ConfigureAwait(false);
        }

        return expired;
    }

    public Task<PackingClaim?> ClaimPackingAsync(DateTimeOffset now, string owner, TimeSpan lease, CancellationToken cancellationToken) =>
        writeGate.WriteAsync(db, ct => ClaimPackingNowAsync(now, lease, ct), cancellationToken);

    private async Task<PackingClaim?> ClaimPackingNowAsync(DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken)
    {
        now = StoreClock.Truncate(now);
        var sending = StoredEnum<CampaignStatus>.Name(CampaignStatus.Sending);
        var candidates = (await Campaigns.AsNoTracking().Where(c => c.Status == sending && !c.Packed)
                .Select(c => new { c.ClientId, c.Id, c.PackLeaseToken, c.PackLeaseUntil }).ToListAsync(cancellationToken).ConfigureAwait(false))
            .Where(c => c.PackLeaseUntil is null || c.PackLeaseUntil <= now);
        foreach (var candidate in candidates)
        {
            var token = Guid.NewGuid();
            var previous = candidate.PackLeaseToken;
            var until = now + lease;
            var claimed = await Campaigns
                .Where(c => c.ClientId == candidate.ClientId && c.Id == candidate.Id && c.Status == sending && !c.Packed && c.PackLeaseToken == previous)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.PackLeaseToken, token).SetProperty(c => c.PackLeaseUntil, until), cancellationToken)
                .ConfigureAwait(false);
            if (claimed == 1)
            {
                var row = await Campaigns.AsNoTracking().SingleAsync(c => c.ClientId == candidate.ClientId && c.Id == candidate.Id, cancellationToken)
                    .ConfigureAwait(false);
                return new PackingClaim(row.ToModel(), CampaignMapping.ParseCheckpoint(row.PackCheckpoint), token);
            }
        }

        return null;
    }

    public Task<bool> AddDeliveriesAsync(
        PackingClaim claim, IReadOnlyList<NewDelivery> deliveries, AudienceCheckpoint checkpoint, DateTimeOffset now, TimeSpan lease,
        CancellationToken cancellationToken) =>
        writeGate.WriteAsync(db, ct => AddDeliveriesNowAsync(claim, deliveries, checkpoint, now, lease, ct), cancellationToken);

    private async Task<bool> AddDeliveriesNowAsync(
        PackingClaim claim, IReadOnlyList<NewDelivery> deliveries, AudienceCheckpoint checkpoint, DateTimeOffset now, TimeSpan lease,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentNullException.ThrowIfNull(deliveries);
        ArgumentNullException.ThrowIfNull(checkpoint);
        now = StoreClock.Truncate(now);
        var campaign = claim.Campaign;
        var token = claim.LeaseToken;
        var json = CampaignMapping.SerializeCheckpoint(checkpoint);
        var packed = checkpoint.Completed;
        var until = now + lease;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        // First the campaign row, fenced on the lease: a packer whose lease was taken over writes nothing.
        var held = await Campaigns.Where(c => c.ClientId == campaign.ClientId && c.Id == campaign.Id && c.PackLeaseToken == token)
            .ExecuteUpdateAsync(
                s => s.SetProperty(c => c.PackCheckpoint, json).SetProperty(c => c.Packed, packed).SetProperty(c => c.PackLeaseUntil, until),
                cancellationToken).ConfigureAwait(false);
        if (held == 0)
        {
            return false;
        }

        var rows = deliveries.Select(item => new DeliveryRow(
            Guid.CreateVersion7(now), item.ContactId, item.Recipient ?? string.Empty, Domain(campaign.Channel, item.Recipient),
            IdempotencyKey(campaign.Id, item.ContactId), !string.IsNullOrEmpty(item.Recipient))).ToList();
        if (rows.Count > 0)
        {
            var noAddress = $"The contact has no {(campaign.Channel == MessageChannel.Email ? "email address" : "phone number")} for this {StoredEnum<MessageChannel>.Name(campaign.Channel)} campaign.";
            if (_dialect.BindsArrays)
            {
                await InsertWithArraysAsync(campaign, rows, noAddress, now, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await InsertWithValuesAsync(campaign, rows, noAddress, now, cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);

        // A campaign's deliveries are rows of a client (or in numbers) the planner's statistics have not seen: every
        // lookup by (client, id) could then be planned as a scan of the client's deliveries. Refreshed once the first
        // page is in (enough for the planner to see the client has many rows) and again when the last one is.
        if (checkpoint.PagesRead == 1 || packed)
        {
            await _dialect.RefreshStatisticsAsync(db, _tables.Deliveries, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private readonly record struct DeliveryRow(Guid Id, Guid ContactId, string Recipient, string? Domain, string Key, bool Usable);

    private const string DeliveryColumns =
        "client_id, id, campaign_id, contact_id, recipient, recipient_domain, stream, idempotency_key, status, attempts, next_attempt_at, " +
        "last_error, terminal, lock_version, created_at, updated_at";

    /// <summary>PostgreSQL: one statement per page, the rows sent as arrays and expanded by <c>unnest</c>.</summary>
    private Task<int> InsertWithArraysAsync(Campaign campaign, List<DeliveryRow> rows, string noAddress, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var queued = StoredEnum<DeliveryStatus>.Name(DeliveryStatus.Queued);
        var failed = StoredEnum<DeliveryStatus>.Name(DeliveryStatus.Failed);
        return ExecuteAsync(
            $"""
            INSERT INTO {_tables.Deliveries} ({DeliveryColumns})
            SELECT @p0, r.id, @p1, r.contact_id, r.recipient, r.domain, @p2, r.key,
                   CASE WHEN r.usable THEN '{queued}' ELSE '{failed}' END, 0,
                   CASE WHEN r.usable THEN @p3 END, CASE WHEN r.usable THEN NULL ELSE @p4 END, NOT r.usable, 1, @p3, @p3
            FROM unnest(@p5, @p6, @p7, @p8, @p9, @p10) AS r (id, contact_id, recipient, domain, key, usable)
            ON CONFLICT (client_id, campaign_id, contact_id) DO NOTHING
            """,
            [
                campaign.ClientId, campaign.Id, StoredEnum<MessageStream>.Name(campaign.Stream), now, noAddress,
                rows.Select(r => r.Id).ToArray(), rows.Select(r => r.ContactId).ToArray(), rows.Select(r => r.Recipient).ToArray(),
                rows.Select(r => r.Domain).ToArray(), rows.Select(r => r.Key).ToArray(), rows.Select(r => r.Usable).ToArray(),
            ],
            cancellationToken);
    }

    /// <summary>Elsewhere: multi-row <c>VALUES</c>, a hundred rows a statement.</summary>
    private async Task InsertWithValuesAsync(Campaign campaign, List<DeliveryRow> rows, string noAddress, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var queued = StoredEnum<DeliveryStatus>.Name(DeliveryStatus.Queued);
        var failed = StoredEnum<DeliveryStatus>.Name(DeliveryStatus.Failed);
        foreach (var chunk in rows.Chunk(InsertRowsPerStatement))
        {
            var sql = new StringBuilder($"INSERT INTO {_tables.Deliveries} ({DeliveryColumns}) VALUES ");
            var values = new List<object?>(chunk.Length * 9 + 4) { campaign.ClientId, campaign.Id, StoredEnum<MessageStream>.Name(campaign.Stream), now };
            foreach (var row in chunk)
            {
                var p = values.Count;
                values.AddRange([row.Id, row.ContactId, row.Recipient, row.Domain, row.Key, row.Usable ? queued : failed,
                    row.Usable ? now : null, row.Usable ? null : noAddress, !row.Usable]);
                sql.Append(CultureInfo.InvariantCulture,
                    $"(@p0, @p{p}, @p1, @p{p + 1}, @p{p + 2}, @p{p + 3}, @p2, @p{p + 4}, @p{p + 5}, 0, @p{p + 6}, @p{p + 7}, @p{p + 8}, 1, @p3, @p3),");
            }

            sql.Length--;
            sql.Append(" ON CONFLICT (client_id, campaign_id, contact_id) DO NOTHING");
            await ExecuteAsync(sql.ToString(), values, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The same for every attempt and every re-pack of one campaign's message to one contact.</summary>
    internal static string IdempotencyKey(Guid campaignId, Guid contactId) => $"{campaignId:N}-{contactId:N}";

    private static string? Domain(MessageChannel channel, string? recipient) =>
        channel == MessageChannel.Email && recipient?.LastIndexOf('@') is int at and >= 0 ? recipient[(at + 1)..].ToLowerInvariant() : null;

    public async Task<IReadOnlyList<Campaign>> ListSendingCampaignsAsync(CancellationToken cancellationToken)
    {
        var sending = StoredEnum<CampaignStatus>.Name(CampaignStatus.Sending);
        var rows = await Campaigns.AsNoTracking().Where(c => c.Status == sending).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToModel()).OrderBy(c => c.Stream).ThenBy(c => c.StartedAt)];
    }

    // ---- deliveries -----------------------------------------------------------------------------------

    public Task<IReadOnlyList<ClaimedDelivery>> ClaimDeliveriesAsync(
        Campaign campaign, DateTimeOffset now, string owner, TimeSpan lease, int max, CancellationToken cancellationToken) =>
        writeGate.WriteAsync(db, ct => ClaimDeliveriesNowAsync(campaign, now, lease, max, ct), cancellationToken);

    private async Task<IReadOnlyList<ClaimedDelivery>> ClaimDeliveriesNowAsync(
        Campaign campaign, DateTimeOffset now, TimeSpan lease, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        now = StoreClock.Truncate(now);
        var token = Guid.NewGuid();
        var sending = StoredEnum<DeliveryStatus>.Name(DeliveryStatus.Sending);
        var campaignSending = StoredEnum<CampaignStatus>.Name(CampaignStatus.Sending);

        // Only while the campaign is sending: a pause stops claims at once (a batch already claimed finishes).
        var sql = _dialect.ClaimStatement(
            _tables.Deliveries,
            $"status = '{sending}', lease_token = @p0, next_attempt_at = @p1, updated_at = @p2",
            $"""
            client_id = @p3 AND campaign_id = @p4 AND status IN ({In(OpenStatuses)}) AND next_attempt_at <= @p2
              AND EXISTS (SELECT 1 FROM {_tables.Campaigns} c WHERE c.client_id = @p3 AND c.id = @p4 AND c.status = '{campaignSending}')
            """,
            "next_attempt_at",
            "@p5");
        List<DeliveryEntity> rows;
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false))
        {
#pragma warning disable EF1002 // Table names come from the model; every value is a parameter.
            rows = await Deliveries.FromSqlRaw(sql, Parameters([token, now + lease, now, campaign.ClientId, campaign.Id, max])).AsNoTracking()
                .ToListAsync(cancellationToken).ConfigureAwait(false);
#pragma warning restore EF1002
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        if (rows.Count == 0)
        {
            return [];
        }

        var contactIds = rows.Select(r => r.ContactId).Distinct().ToList();
        var contacts = (await ContactsByIdAsync(campaign.ClientId, contactIds, cancellationToken).ConfigureAwait(false))
            .ToDictionary(c => c.Id, c => c.ToModel());
        var metadata = await MemberMetadataAsync(campaign, contactIds, cancellationToken).ConfigureAwait(false);
        return [.. rows.OrderBy(r => r.NextAttemptAt).ThenBy(r => r.Id).Select(r => new ClaimedDelivery
        {
            Delivery = r.ToModel(),
            LeaseToken = token,
            Contact = contacts.GetValueOrDefault(r.ContactId),
            MemberMetadata = metadata.TryGetValue(r.ContactId, out var m) ? m : null,
        })];
    }

    /// <summary>The client's contacts of <paramref name="ids"/> that are not deleted.</summary>
    private Task<List<ContactEntity>> ContactsByIdAsync(string clientId, List<Guid> ids, CancellationToken cancellationToken)
    {
        if (!_dialect.BindsArrays)
        {
            return db.Set<ContactEntity>().AsNoTracking()
                .Where(c => c.ClientId == clientId && ids.Contains(c.Id) && c.DeletedAt == null)
                .ToListAsync(cancellationToken);
        }

        // PostgreSQL: with the client's value, an unseen client's read was a scan of all its contacts, filtered by the ids.
#pragma warning disable EF1002 // The table name comes from the model; every value is a parameter.
        return db.Set<ContactEntity>()
            .FromSqlRaw(
                $"SELECT * FROM {_tables.Contacts} WHERE client_id = {PostgresDialect.HiddenFromPlanner("@p0")} AND id = ANY(@p1) AND deleted_at IS NULL",
                Parameters([clientId, ids.ToArray()]))
            .AsNoTracking()
            .ToListAsync(cancellationToken);
#pragma warning restore EF1002
    }

    /// <summary>For each contact, the metadata of its active membership in the first of the campaign's lists that has one.</summary>
    private async Task<Dictionary<Guid, JsonElement>> MemberMetadataAsync(Campaign campaign, List<Guid> contactIds, CancellationToken cancellationToken)
    {
        var keys = campaign.Audience.Lists?.OfType<string>().ToList() ?? [];
        var found = new Dictionary<Guid, JsonElement>();
        if (keys.Count == 0)
        {
            return found;
        }

        var audience = campaign.Audience.Audience ?? MailingScope.DefaultAudience;
        var lists = await db.Set<RecipientListEntity>().AsNoTracking()
            .Where(l => l.ClientId == campaign.ClientId && l.Audience == audience && keys.Contains(l.Key))
            .Select(l => new { l.Id, l.Key }).ToListAsync(cancellationToken).ConfigureAwait(false);
        var rank = lists.ToDictionary(l => l.Id, l => keys.IndexOf(l.Key));
        var listIds = rank.Keys.ToList();
        var members = await ActiveMembersAsync(campaign.ClientId, listIds, contactIds, cancellationToken).ConfigureAwait(false);
        foreach (var member in members.OrderBy(m => rank[m.ListId]))
        {
            if (!found.ContainsKey(member.ContactId))
            {
                found[member.ContactId] = JsonDocument.Parse(member.Metadata).RootElement.Clone();
            }
        }

        return found;
    }

    /// <summary>The active memberships of <paramref name="contactIds"/> in <paramref name="listIds"/>.</summary>
    private Task<List<MemberMetadataRow>> ActiveMembersAsync(string clientId, List<Guid> listIds, List<Guid> contactIds, CancellationToken cancellationToken)
    {
        if (!_dialect.BindsArrays)
        {
            return db.Set<RecipientListMemberEntity>().AsNoTracking()
                .Where(m => m.ClientId == clientId && listIds.Contains(m.ListId) && contactIds.Contains(m.ContactId) && m.Active)
                .Select(m => new MemberMetadataRow { ListId = m.ListId, ContactId = m.ContactId, Metadata = m.Metadata })
                .ToListAsync(cancellationToken);
        }

        // PostgreSQL: with their values, an unseen client's or list's read was a scan of each whole list by its
        // source-key index. (The lists' cast is needed: ANY((SELECT …)) alone reads as ANY over a subquery's rows.)
#pragma warning disable EF1002 // The table name comes from the model; every value is a parameter.
        return db.Database.SqlQueryRaw<MemberMetadataRow>(
                $"""
                SELECT list_id AS "ListId", contact_id AS "ContactId", metadata AS "Metadata" FROM {_tables.Members}
                WHERE client_id = {PostgresDialect.HiddenFromPlanner("@p0")} AND list_id = ANY({PostgresDialect.HiddenFromPlanner("@p1")}::uuid[])
                  AND contact_id = ANY(@p2) AND active
                """,
                Parameters([clientId, listIds.ToArray(), contactIds.ToArray()]))
            .ToListAsync(cancellationToken);
#pragma warning restore EF1002
    }

    private sealed class MemberMetadataRow
    {
        public Guid ListId { get; init; }

        public Guid ContactId { get; init; }

        public string Metadata { get; init; } = "";
    }

    public Task<int> RecordOutcomesAsync(IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset now, CancellationToken cancellationToken) =>
        writeGate.WriteAsync(db, ct => RecordOutcomesNowAsync(outcomes, now, ct), cancellationToken);

    private async Task<int> RecordOutcomesNowAsync(IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        now = StoreClock.Truncate(now);
        if (_dialect.BindsArrays)
        {
            var total = 0;
            foreach (var client in outcomes.GroupBy(o => o.ClientId, StringComparer.Ordinal))
            {
                total += await RecordWithArraysAsync(client.Key, [.. client], now, cancellationToken).ConfigureAwait(false);
            }

            return total;
        }

        // SQLite: per chunk one UPDATE … FROM (VALUES …) RETURNING the recorded ids, then their events; one transaction.
        var recorded = 0;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var chunk in outcomes.Chunk(OutcomesPerStatement))
        {
            var values = new List<object?>(chunk.Length * 10 + 1) { now };
            var rows = Rows(values, chunk.Select(o => new object?[]
            {
                o.ClientId, o.DeliveryId, o.LeaseToken, StoredEnum<DeliveryStatus>.Name(o.Status), o.Attempts,
                IsFinal(o) ? null : StoreClock.Truncate(o.NextAttemptAt ?? now), Truncate(o.Error, MailingLimits.MaxDiagnosticTextLength),
                o.Transport, Truncate(o.ProviderMessageId, MailingLimits.MaxProviderIdLength),
            }));
            var sql = $"""
                UPDATE {_tables.Deliveries} AS d
                SET {OutcomeAssignments("@p0")}
                FROM (SELECT column1 AS client_id, column2 AS id, column3 AS token, column4 AS status, column5 AS attempts,
                             column6 AS next_attempt_at, column7 AS error, column8 AS transport, column9 AS provider_id
                      FROM (VALUES {rows})) AS v
                WHERE d.client_id = v.client_id AND d.id = v.id AND d.lease_token = v.token AND d.status = '{StoredEnum<DeliveryStatus>.Name(DeliveryStatus.Sending)}'
                RETURNING id AS "Value"
                """;
#pragma warning disable EF1002 // Table names come from the model; every value is a parameter.
            var ids = (await db.Database.SqlQueryRaw<Guid>(sql, Parameters(values)).ToListAsync(cancellationToken).ConfigureAwait(false)).ToHashSet();
#pragma warning restore EF1002
            recorded += ids.Count;

            var withEvents = chunk.Where(o => ids.Contains(o.DeliveryId)).Select(o => (Outcome: o, Event: PipelineEvent(o, now))).Where(e => e.Event is not null).ToList();
            if (withEvents.Count > 0)
            {
                var eventValues = new List<object?>(withEvents.Count * 6 + 1) { now };
                var eventRows = Rows(eventValues, withEvents.Select(e => new object?[]
                {
                    e.Outcome.ClientId, e.Outcome.DeliveryId, e.Event!.Id, e.Event.Key, e.Event.Type, Truncate(e.Outcome.Error, MailingLimits.MaxDiagnosticTextLength),
                }));
                await ExecuteAsync(
                    $"""
                    INSERT INTO {_tables.DeliveryEvents} ({PipelineEventColumns})
                    SELECT d.client_id, v.event_id, '{PipelineEvents.Provider}', v.event_key, v.event_type, @p0, @p0,
                           nullif(d.provider_message_id, ''), d.id, d.campaign_id, v.error
                    FROM (SELECT column1 AS client_id, column2 AS id, column3 AS event_id, column4 AS event_key, column5 AS event_type, column6 AS error
                          FROM (VALUES {eventRows})) AS v
                    JOIN {_tables.Deliveries} AS d ON d.client_id = v.client_id AND d.id = v.id
                    WHERE true
                    ON CONFLICT (client_id, provider, provider_event_id) DO NOTHING
                    """,
                    eventValues,
                    cancellationToken).ConfigureAwait(false);
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return recorded;
    }

    private const string PipelineEventColumns =
        "client_id, id, provider, provider_event_id, event_type, occurred_at, received_at, provider_message_id, delivery_id, campaign_id, description";

    private static bool IsFinal(DeliveryOutcome outcome) => outcome.Status is not (DeliveryStatus.Queued or DeliveryStatus.Deferred);

    /// <summary>Appends each row's values to <paramref name="values"/> and returns the rows as <c>(@pN, …), (…)</c>.</summary>
    private static string Rows(List<object?> values, IEnumerable<object?[]> rows) => string.Join(", ", rows.Select(row =>
    {
        var first = values.Count;
        values.AddRange(row);
        return $"({string.Join(", ", Enumerable.Range(first, row.Length).Select(i => $"@p{i}"))})";
    }));

    /// <summary>
    /// The SET list that records an outcome from the row <c>v</c> (status, attempts, next_attempt_at, error, transport,
    /// provider_id) into the delivery <c>d</c> at <paramref name="now"/>, with the projection the outcome implies.
    /// </summary>
    private static string OutcomeAssignments(string now)
    {
        var sent = StoredEnum<DeliveryStatus>.Name(DeliveryStatus.Sent);
        var suppressed = StoredEnum<DeliveryStatus>.Name(DeliveryStatus.Suppressed);
        return $"""
            status = v.status, attempts = v.attempts, next_attempt_at = v.next_attempt_at,
                last_error = coalesce(v.error, d.last_error), transport = coalesce(v.transport, d.transport),
                provider_message_id = coalesce(v.provider_id, d.provider_message_id),
                terminal = d.terminal OR v.status IN ({In(TerminalStatuses)}),
                dispatched_at = CASE WHEN v.status = '{sent}' THEN coalesce(d.dispatched_at, {now}) ELSE d.dispatched_at END,
                suppressed_at = CASE WHEN v.status = '{suppressed}' THEN coalesce(d.suppressed_at, {now}) ELSE d.suppressed_at END,
                last_event_type = CASE WHEN v.status IN ({In(EventStatuses)}) AND (d.last_event_at IS NULL OR d.last_event_at <= {now})
                                       THEN CASE WHEN v.status = '{sent}' THEN 'dispatched' ELSE v.status END ELSE d.last_event_type END,
                last_event_at = CASE WHEN v.status IN ({In(EventStatuses)}) AND (d.last_event_at IS NULL OR d.last_event_at <= {now}) THEN {now} ELSE d.last_event_at END,
                lease_token = NULL, lock_version = d.lock_version + 1, updated_at = {now}
            """;
    }

    /// <summary>
    /// PostgreSQL: one client's outcomes in one transaction of two statements, the rows sent as arrays: the first locks
    /// the deliveries, the second records the outcomes and stores the pipeline's event of each recorded sent or
    /// suppressed delivery (a data-modifying CTE: both or neither).
    /// </summary>
    private async Task<int> RecordWithArraysAsync(string clientId, DeliveryOutcome[] outcomes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var events = outcomes.Select(o => PipelineEvent(o, now)).ToArray();

        // Each outcome finds its row by primary key (a lateral probe), whatever the statistics say. A join the planner
        // chose itself was, with statistics taken before the batch was claimed, a scan of every delivery in 'sending'
        // against every outcome (a second per batch of 1,000 with two senders); and with the status test inside the
        // probe it used the partial index of open deliveries, reading the client's whole queue per row. The lease and
        // status are therefore tested outside the probe, whose LIMIT keeps the planner from pushing them back in, and
        // the client is hidden from the planner.
        //
        // The rows are locked first, in id order (as the event projection locks them), by a statement of their own:
        // the update finds each row by the physical address the probe read, and a row that another transaction
        // changed and committed while this statement ran would be invisible to its snapshot there, so its outcome
        // would be lost. Locked beforehand, the rows cannot change, and the next statement's snapshot sees them.
        var sendingStatus = StoredEnum<DeliveryStatus>.Name(DeliveryStatus.Sending);
        var lockRows = $"""
            SELECT count(*)::int AS "Value"
            FROM (SELECT id FROM unnest(@p1) AS id ORDER BY id) AS v
            CROSS JOIN LATERAL (
                SELECT 1 FROM {_tables.Deliveries} AS x WHERE x.client_id = {PostgresDialect.HiddenFromPlanner("@p0")} AND x.id = v.id LIMIT 1 FOR UPDATE) AS locked
            """;
        var sql = $"""
            WITH target AS MATERIALIZED (
                SELECT found.row_id, v.*
                FROM unnest(@p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12)
                     AS v (id, token, status, attempts, next_attempt_at, error, transport, provider_id, event_id, event_key, event_type)
                CROSS JOIN LATERAL (
                    SELECT x.ctid AS row_id, x.lease_token, x.status FROM {_tables.Deliveries} AS x
                    WHERE x.client_id = {PostgresDialect.HiddenFromPlanner("@p1")} AND x.id = v.id
                    LIMIT 1) AS found
                WHERE found.lease_token = v.token AND found.status = '{sendingStatus}'),
            recorded AS (
                UPDATE {_tables.Deliveries} AS d
                SET {OutcomeAssignments("@p0")}
                FROM target AS v
                WHERE d.ctid = v.row_id
                RETURNING d.id, d.campaign_id, d.provider_message_id, v.error, v.event_id, v.event_key, v.event_type),
            stored AS (
                INSERT INTO {_tables.DeliveryEvents} ({PipelineEventColumns})
                SELECT @p1, r.event_id, '{PipelineEvents.Provider}', r.event_key, r.event_type, @p0, @p0,
                       nullif(r.provider_message_id, ''), r.id, r.campaign_id, r.error
                FROM recorded AS r WHERE r.event_type IS NOT NULL
                ON CONFLICT (client_id, provider, provider_event_id) DO NOTHING)
            SELECT count(*)::int AS "Value" FROM recorded
            """;
        object?[] values =
        [
            now, clientId,
            outcomes.Select(o => o.DeliveryId).ToArray(), outcomes.Select(o => o.LeaseToken).ToArray(),
            outcomes.Select(o => StoredEnum<DeliveryStatus>.Name(o.Status)).ToArray(), outcomes.Select(o => o.Attempts).ToArray(),
            outcomes.Select(o => IsFinal(o) ? (DateTimeOffset?)null : StoreClock.Truncate(o.NextAttemptAt ?? now)).ToArray(),
            outcomes.Select(o => Truncate(o.Error, MailingLimits.MaxDiagnosticTextLength)).ToArray(), outcomes.Select(o => o.Transport).ToArray(),
            outcomes.Select(o => Truncate(o.ProviderMessageId, MailingLimits.MaxProviderIdLength)).ToArray(),
            events.Select(e => e?.Id).ToArray(), events.Select(e => e?.Key).ToArray(), events.Select(e => e?.Type).ToArray(),
        ];
        // Read committed, whatever the database's default: the outcome statement must take a snapshot of its own,
        // after the locks (under repeatable read it would reuse the first statement's and fail on a changed row).
        await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
#pragma warning disable EF1002 // Table names come from the model; every value is a parameter.
        await db.Database.SqlQueryRaw<int>(lockRows, Parameters([clientId, outcomes.Select(o => o.DeliveryId).ToArray()]))
            .ToListAsync(cancellationToken).ConfigureAwait(false);

        // Not composed (a data-modifying WITH must stay at the top level): read the one row as a list.
        var recorded = (await db.Database.SqlQueryRaw<int>(sql, Parameters(values)).ToListAsync(cancellationToken).ConfigureAwait(false)).Single();
#pragma warning restore EF1002
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return recorded;
    }

    /// <summary>The event the pipeline stores with a sent or suppressed outcome (<see cref="PipelineEvents"/>), else null.</summary>
    private static PipelineEventRow? PipelineEvent(DeliveryOutcome outcome, DateTimeOffset now) => outcome.Status switch
    {
        DeliveryStatus.Sent => new PipelineEventRow(Guid.CreateVersion7(now), PipelineEvents.EventId(outcome.DeliveryId, DeliveryEventType.Dispatched),
            StoredEnum<DeliveryEventType>.Name(DeliveryEventType.Dispatched)),
        DeliveryStatus.Suppressed => new PipelineEventRow(Guid.CreateVersion7(now), PipelineEvents.EventId(outcome.DeliveryId, DeliveryEventType.Suppressed),
            StoredEnum<DeliveryEventType>.Name(DeliveryEventType.Suppressed)),
        _ => null,
    };

    private sealed record PipelineEventRow(Guid Id, string Key, string Type);

    public Task<bool> TryCompleteAsync(string clientId, Guid id, DateTimeOffset now, CancellationToken cancellationToken) =>
        writeGate.WriteAsync(db, ct => TryCompleteNowAsync(clientId, id, now, ct), cancellationToken);

    private async Task<bool> TryCompleteNowAsync(string clientId, Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        now = StoreClock.Truncate(now);
        var sending = StoredEnum<CampaignStatus>.Name(CampaignStatus.Sending);
        var completed = StoredEnum<CampaignStatus>.Name(CampaignStatus.Completed);
        var expired = StoredEnum<CampaignStatus>.Name(CampaignStatus.Expired);
        var expiredDelivery = StoredEnum<DeliveryStatus>.Name(DeliveryStatus.Expired);

        // Expired rather than completed when some deliveries ran out of time (their retry or window fell after the end).
        var changed = await ExecuteAsync(
            $"""
            UPDATE {_tables.Campaigns}
            SET status = CASE WHEN EXISTS (SELECT 1 FROM {_tables.Deliveries} x
                                           WHERE x.client_id = @p1 AND x.campaign_id = @p2 AND x.status = '{expiredDelivery}')
                              THEN '{expired}' ELSE '{completed}' END,
                finished_at = @p0, updated_at = @p0
            WHERE client_id = @p1 AND id = @p2 AND status = '{sending}' AND packed = @p3
              AND NOT EXISTS (SELECT 1 FROM {_tables.Deliveries} d
                              WHERE d.client_id = @p1 AND d.campaign_id = @p2 AND d.status IN ({In(OpenStatuses)}))
            """,
            [now, clientId, id, true],
            cancellationToken).ConfigureAwait(false);
        return changed > 0;
    }

    public Task<long> RequeueFailedAsync(string clientId, Guid id, DateTimeOffset now, CancellationToken cancellationToken) =>
        writeGate.WriteAsync(db, ct => RequeueFailedNowAsync(clientId, id, now, ct), cancellationToken);

    private async Task<long> RequeueFailedNowAsync(string clientId, Guid id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        now = StoreClock.Truncate(now);
        var failed = StoredEnum<DeliveryStatus>.Name(DeliveryStatus.Failed);
        var queued = StoredEnum<DeliveryStatus>.Name(DeliveryStatus.Queued);

        // Only deliveries that have an address: one made failed for want of an address would fail again at once.
        // The terminal flag stays set: it records that the delivery's story once ended, and it never flips back.
        return await Deliveries.Where(d => d.ClientId == clientId && d.CampaignId == id && d.Status == failed && d.Recipient != string.Empty)
            .ExecuteUpdateAsync(
                s => s.SetProperty(d => d.Status, queued).SetProperty(d => d.Attempts, 0).SetProperty(d => d.NextAttemptAt, now)
                    .SetProperty(d => d.UpdatedAt, now).SetProperty(d => d.LockVersion, d => d.LockVersion + 1),
                cancellationToken).ConfigureAwait(false);
    }

    // ---- reading ----------------------------------------------------------------------------------------

    public async Task<CampaignStats> GetStatsAsync(Campaign campaign, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        var groups = await Deliveries.AsNoTracking().Where(d => d.ClientId == campaign.ClientId && d.CampaignId == campaign.Id)
            .GroupBy(d => d.Status)
            .Select(g => new { Status = g.Key, Count = g.LongCount(), Attempts = g.Sum(d => (long)d.Attempts) })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var sent = StoredEnum<DeliveryStatus>.Name(DeliveryStatus.Sent);

        // min/max in SQL (EF cannot translate DateTimeOffset aggregates on SQLite; its UTC text orders as time does).
        var spanSql = $"""
            SELECT min(dispatched_at) AS "First", max(dispatched_at) AS "Last" FROM {_tables.Deliveries}
            WHERE client_id = @p0 AND campaign_id = @p1 AND status = @p2
            """;
#pragma warning disable EF1002, EF1003 // Table names come from the model; every value is a parameter.
        var span = await db.Database.SqlQueryRaw<SentSpan>(spanSql, Parameters([campaign.ClientId, campaign.Id, sent]))
            .SingleAsync(cancellationToken).ConfigureAwait(false);
#pragma warning restore EF1002, EF1003
        var counts = Counts(groups.Select(g => (g.Status, g.Count)));
        return new CampaignStats
        {
            CampaignId = campaign.Id,
            Name = campaign.Name,
            Status = campaign.Status,
            Deliveries = counts,
            Total = counts.Values.Sum(),
            Attempts = groups.Sum(g => g.Attempts),
            StartedAt = campaign.StartedAt,
            FinishedAt = campaign.FinishedAt,
            FirstSentAt = span.First,
            LastSentAt = span.Last,
        };
    }

    private sealed record SentSpan(DateTimeOffset? First, DateTimeOffset? Last);

    public async Task<IReadOnlyDictionary<Guid, IReadOnlyDictionary<DeliveryStatus, long>>> CountByStatusAsync(
        string clientId, IReadOnlyCollection<Guid> campaigns, CancellationToken cancellationToken)
    {
        var ids = campaigns.ToList();
        var groups = await Deliveries.AsNoTracking().Where(d => d.ClientId == clientId && ids.Contains(d.CampaignId))
            .GroupBy(d => new { d.CampaignId, d.Status })
            .Select(g => new { g.Key.CampaignId, g.Key.Status, Count = g.LongCount() })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return ids.ToDictionary(
            id => id,
            IReadOnlyDictionary<DeliveryStatus, long> (id) => Counts(groups.Where(g => g.CampaignId == id).Select(g => (g.Status, g.Count))));
    }

    public async Task<IReadOnlyList<Delivery>> ListDeliveriesAsync(
        string clientId, Guid campaignId, DeliveryStatus? status, Guid? after, int take, CancellationToken cancellationToken)
    {
        var query = Deliveries.AsNoTracking().Where(d => d.ClientId == clientId && d.CampaignId == campaignId);
        if (status is { } wanted)
        {
            var stored = StoredEnum<DeliveryStatus>.Name(wanted);
            query = query.Where(d => d.Status == stored);
        }

        if (after is { } lower)
        {
            query = query.Where(d => d.ContactId.CompareTo(lower) > 0);
        }

        var rows = await query.OrderBy(d => d.ContactId).Take(take).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToModel())];
    }

    // ---- helpers --------------------------------------------------------------------------------------

    private static Dictionary<DeliveryStatus, long> Counts(IEnumerable<(string Status, long Count)> groups)
    {
        var counts = Enum.GetValues<DeliveryStatus>().ToDictionary(s => s, _ => 0L);
        foreach (var (status, count) in groups)
        {
            counts[StoredEnum<DeliveryStatus>.Parse(status)] += count;
        }

        return counts;
    }

    private static string In(string[] names) => string.Join(", ", names.Select(n => $"'{n}'"));

    private static string? Truncate(string? text, int length) => text is null || text.Length <= length ? text : text[..length];

    private DbParameter[] Parameters(IReadOnlyList<object?> values) => _dialect.Parameters(db, values);

    private Task<int> ExecuteAsync(string sql, IReadOnlyList<object?> values, CancellationToken cancellationToken) =>
#pragma warning disable EF1002 // Table names come from the model; every value is a parameter.
        db.Database.ExecuteSqlRawAsync(sql, Parameters(values), cancellationToken);
#pragma warning restore EF1002

    // ---- timeline (console) -----------------------------------------------------------------------------

    public async Task<IReadOnlyList<TimelinePoint>> GetTimelineAsync(string clientId, Guid campaignId, TimelineBucket bucket, CancellationToken cancellationToken)
    {
        // Times are bucketed here, not in SQL (SQLite keeps them as text); only the dispatch times are streamed, one
        // at a time, through the (client, campaign, status) index, and only the buckets are held.
        var sent = StoredEnum<DeliveryStatus>.Name(DeliveryStatus.Sent);
        var times = Deliveries.AsNoTracking()
            .Where(d => d.ClientId == clientId && d.CampaignId == campaignId && d.Status == sent && d.DispatchedAt != null)
            .Select(d => d.DispatchedAt!.Value)
            .AsAsyncEnumerable();
        var buckets = new SortedDictionary<DateTimeOffset, long>();
        await foreach (var time in times.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            var utc = time.ToUniversalTime();
            var at = bucket switch
            {
                TimelineBucket.Day => new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero),
                TimelineBucket.Hour => new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero),
                _ => new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, TimeSpan.Zero),
            };
            buckets[at] = buckets.GetValueOrDefault(at) + 1;
        }

        return [.. buckets.Select(b => new TimelinePoint(b.Key, b.Value))];
    }
}
