using System.Globalization;
using System.Text;
using Mailing.Events;
using Mailing.Store.EfCore.Campaigns;
using Mailing.Store.EfCore.Dialects;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;

namespace Mailing.Store.EfCore.Events;

/// <summary>
/// PostgreSQL: a batch of events in two statements whatever its size. The rows go in as arrays in one
/// <c>INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING RETURNING id</c> (a concurrent writer's copy of an event is
/// left out, not an error), and the projection is one <c>UPDATE … FROM</c> the events folded per delivery in SQL by
/// the same rules as <see cref="DeliveryProjectionRules"/>. The update's rows are locked in id order first, so two
/// writers whose batches share deliveries queue instead of deadlocking; each row's new values are computed from
/// the version the lock returns, so no writer's events are lost.
/// </summary>
internal static class PostgresEventStatements
{
    private static readonly string[] TerminalTypes = StoredEnum<DeliveryEventType>.NamesOf(
        [.. Enum.GetValues<DeliveryEventType>().Where(DeliveryProjectionRules.IsTerminal)]);

    /// <summary>The stored type's precedence, as SQL over <c>d.last_event_type</c> (none counts as unknown).</summary>
    private static readonly string StoredPrecedence = PrecedenceCase();

    /// <summary>Inserts the rows; the ids of those stored (one another writer stored first is left out).</summary>
    public static async Task<HashSet<Guid>> InsertAsync(
        DbContext db, StoreTables tables, IReadOnlyList<DeliveryEventEntity> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return [];
        }

        var sql = $"""
            INSERT INTO {tables.DeliveryEvents} (client_id, id, provider, provider_event_id, event_type, occurred_at, received_at,
                                                 provider_message_id, delivery_id, campaign_id, recipient, reject_reason,
                                                 description, mta_response, payload)
            SELECT @p0, v.id, v.provider, v.provider_event_id, v.event_type, v.occurred_at, @p1,
                   v.provider_message_id, v.delivery_id, v.campaign_id, v.recipient, v.reject_reason,
                   v.description, v.mta_response, v.payload
            FROM unnest(@p2, @p3, @p4, @p5, @p6, @p7, @p8, @p9, @p10, @p11, @p12, @p13, @p14)
                 AS v (id, provider, provider_event_id, event_type, occurred_at, provider_message_id, delivery_id, campaign_id,
                       recipient, reject_reason, description, mta_response, payload)
            ON CONFLICT (client_id, provider, provider_event_id) DO NOTHING
            RETURNING id AS "Value"
            """;
        object?[] values =
        [
            rows[0].ClientId, StoreClock.Truncate(rows[0].ReceivedAt),
            Column(rows, r => r.Id), Column(rows, r => r.Provider), Column(rows, r => r.ProviderEventId), Column(rows, r => r.EventType),
            Column(rows, r => StoreClock.Truncate(r.OccurredAt)), Column(rows, r => r.ProviderMessageId), Column(rows, r => r.DeliveryId),
            Column(rows, r => r.CampaignId), Column(rows, r => r.Recipient), Column(rows, r => r.RejectReason),
            Column(rows, r => r.Description), Column(rows, r => r.MtaResponse), Column(rows, r => r.Payload),
        ];
#pragma warning disable EF1002 // Table names come from the model; every value is a parameter.
        var ids = await db.Database.SqlQueryRaw<Guid>(sql, StoreDialect.For(db).Parameters(db, values)).ToListAsync(cancellationToken).ConfigureAwait(false);
#pragma warning restore EF1002
        return [.. ids];
    }

    /// <summary>Folds the events into their deliveries' projections in one statement; how many deliveries changed.</summary>
    public static Task<int> ProjectAsync(
        DbContext db, StoreTables tables, string clientId, IReadOnlyList<ProjectedEvent> events, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return Task.FromResult(0);
        }

        // Per delivery: each *_at from its earliest event of that type (written once), terminal if any event is, and the
        // latest event by (time, precedence). Then each moves the row only as the rules allow: *_at only where still
        // empty, terminal never back, the last event only forward.
        var at = new StringBuilder();
        foreach (var (column, type) in new[]
                 {
                     ("dispatched_at", DeliveryEventType.Dispatched), ("delivered_at", DeliveryEventType.Delivered),
                     ("bounced_at", DeliveryEventType.Bounced), ("complained_at", DeliveryEventType.Complained),
                     ("suppressed_at", DeliveryEventType.Suppressed),
                 })
        {
            at.Append(CultureInfo.InvariantCulture, $"min(e.occurred_at) FILTER (WHERE e.event_type = '{StoredEnum<DeliveryEventType>.Name(type)}') AS {column},\n");
        }

        const string Newer = """
            (d.last_event_at IS NULL OR a.last_at > d.last_event_at OR (a.last_at = d.last_event_at AND a.last_precedence > {0}))
            """;
        var newer = string.Format(CultureInfo.InvariantCulture, Newer, StoredPrecedence);
        var sql = $"""
            WITH e AS (
                SELECT * FROM unnest(@p2, @p3, @p4, @p5) AS e (delivery_id, event_type, occurred_at, precedence)
            ), a AS (
                SELECT e.delivery_id,
                       {at}
                       bool_or(e.event_type IN ({string.Join(", ", TerminalTypes.Select(t => $"'{t}'"))})) AS terminal,
                       (array_agg(e.event_type ORDER BY e.occurred_at DESC, e.precedence DESC))[1] AS last_type,
                       (array_agg(e.precedence ORDER BY e.occurred_at DESC, e.precedence DESC))[1] AS last_precedence,
                       max(e.occurred_at) AS last_at
                FROM e GROUP BY e.delivery_id
            ), locked AS MATERIALIZED (
                SELECT d.id, a.* FROM {tables.Deliveries} d JOIN a ON a.delivery_id = d.id
                WHERE d.client_id = @p0
                ORDER BY d.id
                FOR UPDATE OF d
            )
            UPDATE {tables.Deliveries} AS d
            SET dispatched_at = coalesce(d.dispatched_at, a.dispatched_at),
                delivered_at = coalesce(d.delivered_at, a.delivered_at),
                bounced_at = coalesce(d.bounced_at, a.bounced_at),
                complained_at = coalesce(d.complained_at, a.complained_at),
                suppressed_at = coalesce(d.suppressed_at, a.suppressed_at),
                terminal = d.terminal OR a.terminal,
                last_event_type = CASE WHEN {newer} THEN a.last_type ELSE d.last_event_type END,
                last_event_at = CASE WHEN {newer} THEN a.last_at ELSE d.last_event_at END,
                lock_version = d.lock_version + 1, updated_at = @p1
            FROM locked a
            WHERE d.client_id = @p0 AND d.id = a.id
            """;
        object?[] values =
        [
            clientId, StoreClock.Truncate(now),
            Column(events, e => e.DeliveryId), Column(events, e => StoredEnum<DeliveryEventType>.Name(e.Type)),
            Column(events, e => StoreClock.Truncate(e.At)), Column(events, e => DeliveryProjectionRules.Precedence(e.Type)),
        ];
#pragma warning disable EF1002 // Table names come from the model; every value is a parameter.
        return db.Database.ExecuteSqlRawAsync(sql, StoreDialect.For(db).Parameters(db, values), cancellationToken);
#pragma warning restore EF1002
    }

    private static T[] Column<TRow, T>(IReadOnlyList<TRow> rows, Func<TRow, T> value)
    {
        var column = new T[rows.Count];
        for (var i = 0; i < column.Length; i++)
        {
            column[i] = value(rows[i]);
        }

        return column;
    }

    private static string PrecedenceCase()
    {
        var sql = new StringBuilder("CASE d.last_event_type");
        foreach (var type in Enum.GetValues<DeliveryEventType>())
        {
            sql.Append(CultureInfo.InvariantCulture, $" WHEN '{StoredEnum<DeliveryEventType>.Name(type)}' THEN {DeliveryProjectionRules.Precedence(type)}");
        }

        return sql.Append(CultureInfo.InvariantCulture, $" ELSE {DeliveryProjectionRules.Precedence(DeliveryEventType.Unknown)} END").ToString();
    }
}

/// <summary>One stored event to fold into its delivery's projection.</summary>
internal readonly record struct ProjectedEvent(Guid DeliveryId, DeliveryEventType Type, DateTimeOffset At);
