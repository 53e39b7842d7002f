using System.Data;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Mailing.Store.EfCore.Stores;

/// <summary>
/// The PostgreSQL path: streams the items into a temporary staging table with binary COPY, then
/// judges and applies them with a handful of set-based statements in the caller's transaction —
/// no per-member round trip and no change tracking. It follows <see cref="MembershipRules"/>
/// exactly: the statements judge every item against the list as it was before the request, and
/// the rare items that share a row with another item are judged one by one in request order.
/// </summary>
internal sealed class PostgresMembershipWriter(DbContext db) : IMembershipWriter
{
    private const string Added = "added";
    private const string Updated = "updated";
    private const string Reactivated = "reactivated";
    private const string Unchanged = "unchanged";
    private const string DuplicateContact = "duplicate_contact";
    private const string DuplicateSourceKey = "duplicate_source_key";
    private const string Invalid = "invalid";

    public async Task ApplyAsync(MembershipRun run, IAsyncEnumerable<MemberWrite> members, CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var sql = new Sql(connection, run, cancellationToken);

        // Sorting and hashing a large snapshot in memory beats spilling it to disk; this transaction only.
        await sql.ExecuteAsync("SET LOCAL work_mem = '256MB'").ConfigureAwait(false);
        await sql.ExecuteAsync("""
            CREATE TEMP TABLE mailing_stage (
                idx integer NOT NULL, source_key text, email text, norm_email text, name text,
                metadata text NOT NULL, error text, new_contact_id uuid, new_member_id uuid, verdict text
            ) ON COMMIT DROP
            """).ConfigureAwait(false);
        run.Results.Receive(await CopyAsync(connection, run, members, cancellationToken).ConfigureAwait(false));
        await sql.ExecuteAsync("ANALYZE mailing_stage").ConfigureAwait(false);

        await ScreenAsync(sql).ConfigureAwait(false);
        if (!run.Change.DryRun)
        {
            await ResolveContactsAsync(sql).ConfigureAwait(false);
        }

        await DecideAsync(sql).ConfigureAwait(false);
        await DecideEntangledAsync(sql).ConfigureAwait(false);
        if (run.Change.RejectConflicts)
        {
            await RejectConflictsAsync(sql).ConfigureAwait(false);
        }

        if (!run.Change.DryRun)
        {
            await WriteMembersAsync(sql).ConfigureAwait(false);
        }

        var removed = run.Change.RemoveAbsent && run.ListId is not null ? await RemoveAbsentAsync(sql).ConfigureAwait(false) : [];
        await ReportAsync(sql, removed).ConfigureAwait(false);
    }

    /// <summary>Streams the items into the staging table; returns how many were received.</summary>
    private static async Task<int> CopyAsync(NpgsqlConnection connection, MembershipRun run, IAsyncEnumerable<MemberWrite> members, CancellationToken cancellationToken)
    {
        var count = 0;
        var importer = await connection.BeginBinaryImportAsync(
            "COPY mailing_stage (idx, source_key, email, norm_email, name, metadata, error, new_contact_id, new_member_id) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            await foreach (var item in members.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(item.Index, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                await WriteTextAsync(importer, item.SourceObjectKey, cancellationToken).ConfigureAwait(false);
                await WriteTextAsync(importer, item.Email, cancellationToken).ConfigureAwait(false);
                await WriteTextAsync(importer, item.NormalizedEmail, cancellationToken).ConfigureAwait(false);
                await WriteTextAsync(importer, item.Name, cancellationToken).ConfigureAwait(false);
                await WriteTextAsync(importer, item.MetadataJson, cancellationToken).ConfigureAwait(false);
                await WriteTextAsync(importer, item.Error, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(Guid.CreateVersion7(run.Now), NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
                await importer.WriteAsync(Guid.CreateVersion7(run.Now), NpgsqlDbType.Uuid, cancellationToken).ConfigureAwait(false);
                count++;
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        return count;
    }

    private static ValueTask WriteTextAsync(NpgsqlBinaryImporter importer, string? value, CancellationToken cancellationToken) =>
        value is null ? new ValueTask(importer.WriteNullAsync(cancellationToken)) : new ValueTask(importer.WriteAsync(value, NpgsqlDbType.Text, cancellationToken));

    /// <summary>
    /// Marks invalid items, repeated source keys and repeated contacts (first occurrence wins; an
    /// invalid item still holds its key). Grouping finds the repeats without sorting the snapshot.
    /// </summary>
    private static async Task ScreenAsync(Sql sql)
    {
        await sql.ExecuteAsync($"UPDATE mailing_stage SET verdict = '{Invalid}' WHERE error IS NOT NULL").ConfigureAwait(false);
        await sql.ExecuteAsync($"""
            UPDATE mailing_stage s SET verdict = '{DuplicateSourceKey}'
            FROM (SELECT source_key, min(idx) AS first_idx FROM mailing_stage WHERE source_key IS NOT NULL
                  GROUP BY source_key HAVING count(*) > 1) d
            WHERE s.source_key = d.source_key AND s.idx <> d.first_idx AND s.verdict IS NULL
            """).ConfigureAwait(false);
        await sql.ExecuteAsync($"""
            UPDATE mailing_stage s SET verdict = '{DuplicateContact}'
            FROM (SELECT norm_email, min(idx) AS first_idx FROM mailing_stage WHERE verdict IS NULL
                  GROUP BY norm_email HAVING count(*) > 1) d
            WHERE s.norm_email = d.norm_email AND s.idx <> d.first_idx AND s.verdict IS NULL
            """).ConfigureAwait(false);
    }

    /// <summary>Creates the contacts the items name that do not exist yet, and applies supplied names.</summary>
    private static async Task ResolveContactsAsync(Sql sql)
    {
        // ON CONFLICT DO NOTHING: a contact another transaction creates meanwhile is simply found below.
        await sql.ExecuteAsync("""
            INSERT INTO mailing_contacts (client_id, id, audience, email, normalized_email, name, created_at, updated_at)
            SELECT @client, s.new_contact_id, @audience, s.email, s.norm_email, s.name, @now, @now
            FROM mailing_stage s
            WHERE s.verdict IS NULL
              AND NOT EXISTS (SELECT 1 FROM mailing_contacts c
                              WHERE c.client_id = @client AND c.audience = @audience AND c.normalized_email = s.norm_email)
            ORDER BY s.norm_email
            ON CONFLICT DO NOTHING
            """).ConfigureAwait(false);
        await sql.ExecuteAsync("""
            UPDATE mailing_contacts c SET name = s.name, updated_at = @now
            FROM mailing_stage s
            WHERE s.verdict IS NULL AND s.name IS NOT NULL AND c.name IS DISTINCT FROM s.name
              AND c.client_id = @client AND c.audience = @audience AND c.normalized_email = s.norm_email
            """).ConfigureAwait(false);
    }

    /// <summary>
    /// Judges every remaining item against the rows with its source key (k) and of its contact (o),
    /// as <see cref="MembershipRules.Decide"/> does for an item whose rows no other item touches.
    /// </summary>
    private static Task DecideAsync(Sql sql) => sql.ExecuteAsync($"""
        CREATE TEMP TABLE mailing_decide ON COMMIT DROP AS
        SELECT s.idx, s.source_key, s.email, s.metadata, s.new_member_id, c.id AS contact_id,
               k.id AS k_id, k.contact_id AS k_contact, k.email_snapshot AS k_email, k.metadata AS k_metadata, k.active AS k_active,
               o.id AS o_id, o.source_object_key AS o_key, o.active AS o_active,
               CASE
                 WHEN o.id IS NOT NULL AND o.id IS DISTINCT FROM k.id THEN
                   CASE WHEN o.active THEN '{DuplicateContact}' WHEN k.id IS NULL THEN '{Reactivated}' ELSE '{DuplicateContact}' END
                 WHEN k.id IS NULL THEN '{Added}'
                 WHEN NOT k.active THEN '{Reactivated}'
                 WHEN k.contact_id IS DISTINCT FROM c.id OR k.email_snapshot <> s.email OR k.metadata <> s.metadata THEN '{Updated}'
                 ELSE '{Unchanged}'
               END AS outcome,
               NULL::text AS error
        FROM mailing_stage s
        LEFT JOIN mailing_contacts c
               ON c.client_id = @client AND c.audience = @audience AND c.normalized_email = s.norm_email
        LEFT JOIN mailing_recipient_list_members k
               ON k.client_id = @client AND k.list_id = @list AND k.source_object_key = s.source_key
        LEFT JOIN mailing_recipient_list_members o
               ON o.client_id = @client AND o.list_id = @list AND o.contact_id = c.id
        WHERE s.verdict IS NULL
        """);

    /// <summary>
    /// Items sharing an existing row with another item (one's source-key row is another's contact
    /// row) depend on request order: judge just those, in order, with the shared rules.
    /// </summary>
    private static async Task DecideEntangledAsync(Sql sql)
    {
        var entangled = await sql.QueryAsync(
            """
            WITH refs AS (
                SELECT idx, k_id AS row_id FROM mailing_decide WHERE k_id IS NOT NULL
                UNION ALL
                SELECT idx, o_id FROM mailing_decide WHERE o_id IS NOT NULL AND o_id IS DISTINCT FROM k_id
            ), shared AS (SELECT row_id FROM refs GROUP BY row_id HAVING count(*) > 1)
            SELECT d.idx, d.source_key, d.email, d.metadata, d.contact_id,
                   d.k_id, d.k_contact, d.k_email, d.k_metadata, d.k_active, d.o_id, d.o_key, d.o_active, k.source_object_key
            FROM mailing_decide d
            LEFT JOIN mailing_recipient_list_members k ON k.client_id = @client AND k.id = d.k_id
            WHERE d.idx IN (SELECT idx FROM refs WHERE row_id IN (SELECT row_id FROM shared))
            ORDER BY d.idx
            """,
            r => (
                Index: r.GetInt32(0),
                Item: new MemberWrite(r.GetInt32(0), r.GetString(1), r.GetString(2), null, null, r.GetString(3)),
                ContactId: r.IsDBNull(4) ? (Guid?)null : r.GetGuid(4),
                ByKey: r.IsDBNull(5) ? (MembershipRules.Row?)null
                    : new MembershipRules.Row(r.GetGuid(5), r.GetString(13), r.GetGuid(6), r.GetString(7), r.GetString(8), r.GetBoolean(9), false),
                ByContact: r.IsDBNull(10) ? (MembershipRules.Row?)null
                    : new MembershipRules.Row(r.GetGuid(10), r.GetString(11), r.GetGuid(4), string.Empty, string.Empty, r.GetBoolean(12), false))).ConfigureAwait(false);
        if (entangled.Count == 0)
        {
            return;
        }

        var claimed = new HashSet<Guid>();
        foreach (var (index, item, contactId, byKey, byContact) in entangled)
        {
            var verdict = MembershipRules.Decide(
                item,
                contactId,
                byKey is { } k ? k with { Claimed = claimed.Contains(k.Id) } : null,
                byContact is { } o ? o with { Claimed = claimed.Contains(o.Id) } : null);
            if (verdict.RowId is { } rowId)
            {
                claimed.Add(rowId);
            }

            await sql.ExecuteAsync(
                "UPDATE mailing_decide SET outcome = @outcome, error = @error WHERE idx = @idx",
                ("outcome", ToCode(verdict.Outcome)), ("error", (object?)verdict.Error ?? DBNull.Value), ("idx", index)).ConfigureAwait(false);
        }
    }

    private static async Task RejectConflictsAsync(Sql sql)
    {
        var conflicts = await sql.QueryAsync(
            $"SELECT source_key, email, o_key, o_active, error FROM mailing_decide WHERE outcome = '{DuplicateContact}' ORDER BY idx LIMIT 1",
            r => r.IsDBNull(4) ? DuplicateContactError(r.GetString(1), r.GetString(2), r.GetBoolean(3), r.GetString(0)) : r.GetString(4)).ConfigureAwait(false);
        if (conflicts.Count > 0)
        {
            throw new MailingConflictException("Email", conflicts[0]);
        }
    }

    private static string DuplicateContactError(string email, string otherKey, bool otherActive, string key) =>
        otherActive ? MembershipRules.ActiveElsewhere(email, otherKey) : MembershipRules.RemovedElsewhere(email, otherKey, key);

    private static async Task WriteMembersAsync(Sql sql)
    {
        await sql.ExecuteAsync($"""
            INSERT INTO mailing_recipient_list_members
                (client_id, id, list_id, contact_id, email_snapshot, source_object_key, metadata, active, removed_at, created_at, updated_at)
            SELECT @client, d.new_member_id, @list, d.contact_id, d.email, d.source_key, d.metadata, true, NULL, @now, @now
            FROM mailing_decide d WHERE d.outcome = '{Added}'
            ORDER BY d.source_key
            """).ConfigureAwait(false);

        // The changed row is the source key's row, or (re-keying a removed membership) the contact's row.
        await sql.ExecuteAsync($"""
            UPDATE mailing_recipient_list_members m
            SET source_object_key = d.source_key, contact_id = d.contact_id, email_snapshot = d.email, metadata = d.metadata,
                active = true, removed_at = NULL, updated_at = @now
            FROM mailing_decide d
            WHERE d.outcome IN ('{Updated}', '{Reactivated}') AND m.client_id = @client
              AND m.id = CASE WHEN d.o_id IS NOT NULL AND d.o_id IS DISTINCT FROM d.k_id THEN d.o_id ELSE d.k_id END
            """).ConfigureAwait(false);
    }

    /// <summary>Soft-removes (or, in a dry run, finds) active members whose source key the request did not name.</summary>
    private static Task<List<MemberResult>> RemoveAbsentAsync(Sql sql)
    {
        const string absent = """
            m.client_id = @client AND m.list_id = @list AND m.active
            AND NOT EXISTS (SELECT 1 FROM mailing_stage s WHERE s.source_key = m.source_object_key)
            """;
        var statement = sql.Run.Change.DryRun
            ? $"SELECT m.source_object_key, m.contact_id FROM mailing_recipient_list_members m WHERE {absent} ORDER BY m.source_object_key"
            : $"""
               WITH removed AS (
                   UPDATE mailing_recipient_list_members m SET active = false, removed_at = @now, updated_at = @now
                   WHERE {absent}
                   RETURNING m.source_object_key, m.contact_id)
               SELECT source_object_key, contact_id FROM removed ORDER BY source_object_key
               """;
        return sql.QueryAsync(statement, r => new MemberResult(null, r.GetString(0), MemberOutcome.Removed, r.GetGuid(1)));
    }

    /// <summary>Counts every outcome in the database and reads back the items the result lists, in request order.</summary>
    private static async Task ReportAsync(Sql sql, List<MemberResult> removed)
    {
        var results = sql.Run.Results;
        var counts = await sql.QueryAsync(
            "SELECT verdict, count(*) FROM mailing_stage WHERE verdict IS NOT NULL GROUP BY verdict UNION ALL SELECT outcome, count(*) FROM mailing_decide GROUP BY outcome",
            r => (Outcome: FromCode(r.GetString(0)), Count: (int)r.GetInt64(1))).ConfigureAwait(false);
        var total = counts.Sum(c => c.Count) + removed.Count;
        foreach (var (outcome, count) in counts)
        {
            results.Tally(outcome, count);
        }

        results.Tally(MemberOutcome.Removed, removed.Count);
        var summarized = results.WouldSummarize(total);
        if (summarized)
        {
            results.Summarize();
        }

        var items = await sql.QueryAsync(
            $"""
            SELECT s.idx, s.source_key, coalesce(d.outcome, s.verdict), d.contact_id, s.error, d.error, d.o_key, s.email, d.o_active
            FROM mailing_stage s LEFT JOIN mailing_decide d ON d.idx = s.idx
            {(summarized ? $"WHERE coalesce(d.outcome, s.verdict) NOT IN ('{Added}', '{Unchanged}')" : string.Empty)}
            ORDER BY s.idx
            """,
            r =>
            {
                var outcome = FromCode(r.GetString(2));
                var key = r.IsDBNull(1) ? null : r.GetString(1);
                var email = r.IsDBNull(7) ? string.Empty : r.GetString(7);
                var error = outcome switch
                {
                    MemberOutcome.Invalid => r.GetString(4),
                    _ when !r.IsDBNull(5) => r.GetString(5),
                    MemberOutcome.DuplicateSourceKey => MembershipRules.RepeatedKey(key!),
                    MemberOutcome.DuplicateContact when r.IsDBNull(6) => MembershipRules.RepeatedEmail(email),
                    MemberOutcome.DuplicateContact => DuplicateContactError(email, r.GetString(6), r.GetBoolean(8), key!),
                    _ => null,
                };
                return new MemberResult(r.GetInt32(0), key, outcome, r.IsDBNull(3) ? null : r.GetGuid(3), error);
            }).ConfigureAwait(false);
        foreach (var item in items.Concat(removed))
        {
            results.Keep(item);
        }
    }

    private static string ToCode(MemberOutcome outcome) => outcome switch
    {
        MemberOutcome.Added => Added,
        MemberOutcome.Updated => Updated,
        MemberOutcome.Reactivated => Reactivated,
        MemberOutcome.Unchanged => Unchanged,
        MemberOutcome.DuplicateContact => DuplicateContact,
        MemberOutcome.DuplicateSourceKey => DuplicateSourceKey,
        MemberOutcome.Invalid => Invalid,
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Not an item outcome."),
    };

    private static MemberOutcome FromCode(string code) => code switch
    {
        Added => MemberOutcome.Added,
        Updated => MemberOutcome.Updated,
        Reactivated => MemberOutcome.Reactivated,
        Unchanged => MemberOutcome.Unchanged,
        DuplicateContact => MemberOutcome.DuplicateContact,
        DuplicateSourceKey => MemberOutcome.DuplicateSourceKey,
        Invalid => MemberOutcome.Invalid,
        _ => throw new InvalidOperationException($"Unknown outcome code '{code}'."),
    };

    /// <summary>Runs statements on the context's connection and transaction with the run's parameters.</summary>
    private sealed class Sql(NpgsqlConnection connection, MembershipRun run, CancellationToken cancellationToken)
    {
        public MembershipRun Run { get; } = run;

        public async Task ExecuteAsync(string statement, params (string Name, object Value)[] extra)
        {
            await using var command = Command(statement, extra);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        public async Task<List<T>> QueryAsync<T>(string statement, Func<NpgsqlDataReader, T> read)
        {
            await using var command = Command(statement, []);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<T>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                rows.Add(read(reader));
            }

            return rows;
        }

        private NpgsqlCommand Command(string statement, (string Name, object Value)[] extra)
        {
            var command = new NpgsqlCommand(statement, connection) { CommandTimeout = 0 };
            command.Parameters.Add(new NpgsqlParameter("client", NpgsqlDbType.Text) { Value = Run.Scope.ClientId });
            command.Parameters.Add(new NpgsqlParameter("audience", NpgsqlDbType.Text) { Value = Run.Scope.Audience });
            command.Parameters.Add(new NpgsqlParameter("list", NpgsqlDbType.Uuid) { Value = (object?)Run.ListId ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = Run.Now });
            foreach (var (name, value) in extra)
            {
                command.Parameters.AddWithValue(name, value);
            }

            return command;
        }
    }
}
