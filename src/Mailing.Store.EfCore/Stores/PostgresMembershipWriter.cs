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
internal sealed class PostgresMembershipWriter(DbContext db, string workMem) : IMembershipWriter
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
        await sql.ExecuteAsync($"SET LOCAL work_mem = '{workMem}'").ConfigureAwait(false); // validated: digits and a unit

        // Every join here pairs the whole snapshot with the list's (or the client's) rows. Statistics of
        // tables just filled in this very transaction read as empty, and a nested loop planned on them
        // rescans the snapshot once per row; hash joins stay linear whatever the statistics say.
        await sql.ExecuteAsync("SET LOCAL enable_nestloop = off").ConfigureAwait(false);
        await sql.ExecuteAsync("""
            CREATE TEMP TABLE mailing_stage (
                idx integer NOT NULL, source_key text, email text, norm_email text, name text,
                metadata text NOT NULL, error text, new_contact_id uuid, new_member_id uuid, verdict text
            ) ON COMMIT DROP
            """).ConfigureAwait(false);
        run.Results.Receive(await CopyAsync(connection, run, members, cancellationToken).ConfigureAwait(false));

        await ScreenAsync(sql).ConfigureAwait(false);
        if (!run.Change.DryRun)
        {
            await ResolveContactsAsync(sql).ConfigureAwait(false);
        }

        await DecideAsync(sql).ConfigureAwait(false);

        await DecideDeferredAsync(sql).ConfigureAwait(false);
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
        run.Results.Finish();
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
            // Field writes are synchronous: they fill Npgsql's buffer (flushing it now and then), and the
            // async overloads would allocate a Task per field — ten million of them for a million members.
            await foreach (var item in members.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                importer.StartRow();
                importer.Write(item.Index, NpgsqlDbType.Integer);
                WriteText(importer, item.SourceObjectKey);
                WriteText(importer, item.Email);
                WriteText(importer, item.NormalizedEmail);
                WriteText(importer, item.Name);
                WriteText(importer, item.MetadataJson);
                WriteText(importer, item.Error);
                importer.Write(Guid.CreateVersion7(run.Now), NpgsqlDbType.Uuid);
                importer.Write(Guid.CreateVersion7(run.Now), NpgsqlDbType.Uuid);
                count++;
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        return count;
    }

    private static void WriteText(NpgsqlBinaryImporter importer, string? value)
    {
        if (value is null)
        {
            importer.WriteNull();
        }
        else
        {
            importer.Write(value, NpgsqlDbType.Text);
        }
    }

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
        // Lock the contacts in id order first, so two requests renaming shared contacts cannot deadlock.
        await sql.ExecuteAsync("""
            WITH renamed AS (
                SELECT c.client_id, c.id, s.name
                FROM mailing_contacts c JOIN mailing_stage s
                  ON c.client_id = @client AND c.audience = @audience AND c.normalized_email = s.norm_email
                WHERE s.verdict IS NULL AND s.name IS NOT NULL AND c.name IS DISTINCT FROM s.name
                ORDER BY c.id
                FOR UPDATE OF c)
            UPDATE mailing_contacts c SET name = r.name, updated_at = @now
            FROM renamed r WHERE c.client_id = r.client_id AND c.id = r.id
            """).ConfigureAwait(false);
    }

    /// <summary>
    /// Judges every remaining item by the row with its source key (k), as <see cref="MembershipRules.DecideByKey"/>
    /// does, except deferred items, whose contact holds another row (o): their outcome stays NULL for now.
    /// </summary>
    private static Task DecideAsync(Sql sql) => sql.ExecuteAsync($"""
        CREATE TEMP TABLE mailing_decide ON COMMIT DROP AS
        SELECT s.idx, s.source_key, s.email, s.metadata, s.new_member_id, c.id AS contact_id,
               k.id AS k_id, k.contact_id AS k_contact, k.email_snapshot AS k_email, k.metadata AS k_metadata, k.active AS k_active,
               o.id AS o_id, o.source_object_key AS o_key, o.active AS o_active,
               CASE
                 WHEN o.id IS NOT NULL AND o.id IS DISTINCT FROM k.id THEN NULL -- deferred: judged once the whole request is known
                 WHEN k.id IS NULL THEN '{Added}'
                 WHEN NOT k.active THEN '{Reactivated}'
                 WHEN k.contact_id IS DISTINCT FROM c.id OR k.email_snapshot <> s.email OR k.metadata <> s.metadata THEN '{Updated}'
                 ELSE '{Unchanged}'
               END AS outcome,
               CASE WHEN (o.id IS NULL OR o.id = k.id) AND k.id IS NOT NULL
                         AND (NOT k.active OR k.contact_id IS DISTINCT FROM c.id OR k.email_snapshot <> s.email OR k.metadata <> s.metadata)
                    THEN k.id END AS target_id,
               0 AS wave,
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
    /// Judges the deferred items in request order with <see cref="MembershipRules.DecideDeferred"/>,
    /// and gives each change a wave: a change that takes a contact another change frees must be
    /// written after it, or the (list, contact) unique index would see the contact twice.
    /// </summary>
    private static async Task DecideDeferredAsync(Sql sql)
    {
        var deferred = await sql.QueryAsync(
            """
            SELECT d.idx, d.source_key, d.email, d.metadata, d.contact_id,
                   d.k_id, k.source_object_key, d.k_contact, d.k_email, d.k_metadata, d.k_active,
                   d.o_id, d.o_key, d.o_active, named.source_key IS NOT NULL, claimed.k_id IS NOT NULL
            FROM mailing_decide d
            LEFT JOIN mailing_recipient_list_members k ON k.client_id = @client AND k.id = d.k_id
            LEFT JOIN (SELECT DISTINCT source_key FROM mailing_stage) named ON named.source_key = d.o_key
            LEFT JOIN (SELECT k_id FROM mailing_decide WHERE target_id IS NOT NULL) claimed ON claimed.k_id = d.o_id
            WHERE d.outcome IS NULL
            ORDER BY d.idx
            """,
            r => new
            {
                Index = r.GetInt32(0),
                Item = new MemberWrite(r.GetInt32(0), r.GetString(1), r.GetString(2), null, null, r.GetString(3)),
                ContactId = r.GetGuid(4),
                ByKey = r.IsDBNull(5) ? (MembershipRules.Row?)null
                    : new MembershipRules.Row(r.GetGuid(5), r.GetString(6), r.GetGuid(7), r.GetString(8), r.GetString(9), r.GetBoolean(10), false),
                Held = new MembershipRules.Row(r.GetGuid(11), r.GetString(12), r.GetGuid(4), string.Empty, string.Empty, r.GetBoolean(13), false),
                HeldKeyInRequest = r.GetBoolean(14),
                HeldClaimed = r.GetBoolean(15),
            }).ConfigureAwait(false);
        if (deferred.Count == 0)
        {
            return;
        }

        // Row → the wave of the change that claimed it (changes of the set-based pass are wave 0).
        var claimedIn = new Dictionary<Guid, int>();
        var decisions = new List<(int Index, string Outcome, string? Error, Guid? Target, int Wave)>(deferred.Count);
        foreach (var d in deferred)
        {
            if (d.HeldClaimed)
            {
                claimedIn.TryAdd(d.Held.Id, 0);
            }

            var verdict = MembershipRules.DecideDeferred(
                d.Item,
                d.ContactId,
                d.ByKey is { } k ? k with { Claimed = claimedIn.ContainsKey(k.Id) } : null,
                d.Held with { Claimed = claimedIn.ContainsKey(d.Held.Id) },
                d.HeldKeyInRequest,
                sql.Run.Change.RemoveAbsent);

            // Taking a freed contact waits for the wave that freed it.
            var wave = claimedIn.TryGetValue(d.Held.Id, out var freedIn) ? freedIn + 1 : 1;
            if (verdict.RowId is { } rowId)
            {
                claimedIn[rowId] = wave;
            }

            decisions.Add((d.Index, ToCode(verdict.Outcome), verdict.Error, verdict.RowId, wave));
        }

        await sql.ExecuteAsync(
            """
            UPDATE mailing_decide d SET outcome = v.outcome, error = v.error, target_id = v.target_id, wave = v.wave
            FROM unnest(@idx, @outcome, @error, @target, @wave) AS v(idx, outcome, error, target_id, wave)
            WHERE d.idx = v.idx
            """,
            ("idx", decisions.Select(x => x.Index).ToArray()),
            ("outcome", decisions.Select(x => x.Outcome).ToArray()),
            ("error", decisions.Select(x => x.Error).ToArray()),
            ("target", decisions.Select(x => x.Target).ToArray()),
            ("wave", decisions.Select(x => x.Wave).ToArray())).ConfigureAwait(false);
    }

    private static async Task RejectConflictsAsync(Sql sql)
    {
        var conflicts = await sql.QueryAsync(
            $"SELECT error FROM mailing_decide WHERE outcome = '{DuplicateContact}' ORDER BY idx LIMIT 1", r => r.GetString(0)).ConfigureAwait(false);
        if (conflicts.Count > 0)
        {
            throw new MailingConflictException("Email", conflicts[0]);
        }
    }

    /// <summary>
    /// Writes the changes: updates first, wave by wave (a wave may take contacts the previous one
    /// freed), then the inserts, whose contacts may have been freed by any update.
    /// </summary>
    private static async Task WriteMembersAsync(Sql sql)
    {
        var waves = await sql.QueryAsync("SELECT DISTINCT wave FROM mailing_decide WHERE target_id IS NOT NULL ORDER BY wave", r => r.GetInt32(0)).ConfigureAwait(false);
        foreach (var wave in waves)
        {
            await sql.ExecuteAsync(
                """
                UPDATE mailing_recipient_list_members m
                SET source_object_key = d.source_key, contact_id = d.contact_id, email_snapshot = d.email, metadata = d.metadata,
                    active = true, removed_at = NULL, updated_at = @now
                FROM mailing_decide d
                WHERE d.target_id IS NOT NULL AND d.wave = @wave AND m.client_id = @client AND m.id = d.target_id
                """,
                ("wave", wave)).ConfigureAwait(false);
        }

        await sql.ExecuteAsync($"""
            INSERT INTO mailing_recipient_list_members
                (client_id, id, list_id, contact_id, email_snapshot, source_object_key, metadata, active, removed_at, created_at, updated_at)
            SELECT @client, d.new_member_id, @list, d.contact_id, d.email, d.source_key, d.metadata, true, NULL, @now, @now
            FROM mailing_decide d WHERE d.outcome = '{Added}'
            ORDER BY d.source_key
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
            SELECT s.idx, s.source_key, coalesce(d.outcome, s.verdict), d.contact_id, s.error, d.error, s.email
            FROM mailing_stage s LEFT JOIN mailing_decide d ON d.idx = s.idx
            {(summarized ? $"WHERE coalesce(d.outcome, s.verdict) NOT IN ('{Added}', '{Unchanged}')" : string.Empty)}
            ORDER BY s.idx
            """,
            r =>
            {
                var outcome = FromCode(r.GetString(2));
                var key = r.IsDBNull(1) ? null : r.GetString(1);
                var email = r.IsDBNull(6) ? string.Empty : r.GetString(6);
                var error = outcome switch
                {
                    MemberOutcome.Invalid => r.GetString(4),
                    _ when !r.IsDBNull(5) => r.GetString(5),
                    MemberOutcome.DuplicateSourceKey => MembershipRules.RepeatedKey(key!),
                    MemberOutcome.DuplicateContact => MembershipRules.RepeatedEmail(email),
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
