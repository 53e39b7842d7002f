using Mailing.Store.EfCore.Campaigns;
using Mailing.Store.EfCore.Dialects;
using Mailing.Store.EfCore.Entities;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;

namespace Mailing.Store.EfCore.Reports;

/// <summary>
/// The EF Core daily-report store. Lifetime: scoped, sharing the scope's <typeparamref name="TContext"/>. A claim is
/// an insert into <c>mailing_daily_reports</c>, whose primary key (client, day) lets one replica win; a claim whose
/// holder died before sending is taken over with a conditional update on its token once its lease has run out.
/// </summary>
internal sealed class EfCoreDailyReportStore<TContext>(TContext db) : IDailyReportStore
    where TContext : DbContext
{
    private static readonly string[] FinalDeliveryStatuses =
        StoredEnum<DeliveryStatus>.NamesOf([DeliveryStatus.Sent, DeliveryStatus.Failed, DeliveryStatus.Expired, DeliveryStatus.Suppressed]);

    private static readonly string[] RunCampaignStatuses = StoredEnum<CampaignStatus>.NamesOf(
        [CampaignStatus.Sending, CampaignStatus.Paused, CampaignStatus.Completed, CampaignStatus.Cancelled, CampaignStatus.Expired, CampaignStatus.Failed]);

    private DbSet<DailyReportEntity> Reports => db.Set<DailyReportEntity>();

    public async Task<Guid?> TryClaimAsync(string clientId, DateOnly day, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken)
    {
        var token = Guid.NewGuid();
        Reports.Add(new DailyReportEntity { ClientId = clientId, Day = day, ClaimToken = token, ClaimedAt = now });
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            return token;
        }
        catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e))
        {
            // Claimed before: by another replica now, or by one that died before it sent.
        }
        finally
        {
            db.ChangeTracker.Clear();
        }

        var existing = await Reports.AsNoTracking().SingleOrDefaultAsync(r => r.ClientId == clientId && r.Day == day, cancellationToken).ConfigureAwait(false);
        if (existing is null || existing.SentAt is not null || existing.ClaimedAt + lease > now)
        {
            return null;
        }

        var held = existing.ClaimToken;
        var taken = await Reports.Where(r => r.ClientId == clientId && r.Day == day && r.ClaimToken == held && r.SentAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.ClaimToken, token).SetProperty(r => r.ClaimedAt, now), cancellationToken)
            .ConfigureAwait(false);
        return taken == 1 ? token : null;
    }

    public Task MarkSentAsync(string clientId, DateOnly day, Guid token, DateTimeOffset now, CancellationToken cancellationToken) =>
        Reports.Where(r => r.ClientId == clientId && r.Day == day && r.ClaimToken == token)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.SentAt, now), cancellationToken);

    public Task ReleaseAsync(string clientId, DateOnly day, Guid token, CancellationToken cancellationToken) =>
        Reports.Where(r => r.ClientId == clientId && r.Day == day && r.ClaimToken == token && r.SentAt == null).ExecuteDeleteAsync(cancellationToken);

    public async Task<IReadOnlyList<CampaignDayFigures>> GetFiguresAsync(string? clientId, DateTimeOffset start, DateTimeOffset until, CancellationToken cancellationToken)
    {
        // Few rows: the campaigns that ever started. Times are compared here, not in SQL (SQLite keeps them as text).
        var query = db.Set<CampaignEntity>().AsNoTracking().Where(c => RunCampaignStatuses.Contains(c.Status) && c.StartedAt != null);
        if (clientId is not null)
        {
            query = query.Where(c => c.ClientId == clientId);
        }

        var campaigns = (await query.Select(c => new { c.ClientId, c.Id, c.Name, c.Status, c.StartedAt, c.FinishedAt })
                .ToListAsync(cancellationToken).ConfigureAwait(false))
            .Where(c => c.StartedAt < until && (c.FinishedAt is null || c.FinishedAt >= start))
            .OrderBy(c => c.ClientId, StringComparer.Ordinal).ThenBy(c => c.Id);

        // Per campaign, its final deliveries whose last change fell in the day: a seek of the (client, campaign, status) index.
        var dialect = StoreDialect.For(db);
        var deliveries = StoreTables.Of(db).Deliveries;
        var statuses = string.Join(", ", FinalDeliveryStatuses.Select(s => $"'{s}'"));
        var sql = $$"""
            SELECT status AS "Status", count(*) AS "Count" FROM {{deliveries}}
            WHERE client_id = {0} AND campaign_id = {1} AND status IN ({{statuses}}) AND updated_at >= {2} AND updated_at < {3}
            GROUP BY status
            """;
        var figures = new List<CampaignDayFigures>();
        foreach (var campaign in campaigns)
        {
#pragma warning disable EF1002 // The table name comes from the model and the statuses are constants; every value is a parameter.
            var counts = await db.Database.SqlQueryRaw<StatusCount>(sql, dialect.Bind(campaign.ClientId), dialect.Bind(campaign.Id), dialect.Bind(start), dialect.Bind(until))
                .ToListAsync(cancellationToken).ConfigureAwait(false);
#pragma warning restore EF1002
            if (counts.Count == 0)
            {
                continue;
            }

            long Count(DeliveryStatus status) => counts.Where(c => c.Status == StoredEnum<DeliveryStatus>.Name(status)).Sum(c => c.Count);
            figures.Add(new CampaignDayFigures(
                campaign.ClientId, campaign.Id, campaign.Name, StoredEnum<CampaignStatus>.Parse(campaign.Status),
                Count(DeliveryStatus.Sent), Count(DeliveryStatus.Failed), Count(DeliveryStatus.Expired), Count(DeliveryStatus.Suppressed)));
        }

        return figures;
    }

    /// <summary>One row of the per-status count.</summary>
    private sealed class StatusCount
    {
        public required string Status { get; init; }

        public long Count { get; init; }
    }
}
