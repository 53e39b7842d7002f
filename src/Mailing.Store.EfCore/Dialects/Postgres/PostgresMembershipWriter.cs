using System.Data;
using Mailing.RecipientLists.StoreKit;
using Mailing.Store.EfCore.Contacts;
using Mailing.Store.EfCore.Dialects;
using Mailing.Store.EfCore.RecipientLists;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace Mailing.Store.EfCore.Dialects.Postgres;

/// <summary>
/// The PostgreSQL path: streams the items into a temporary staging table with binary COPY, then
/// judges and applies them with a handful of set-based statements in the caller's transaction —
/// no per-member round trip and no change tracking. One join of the snapshot with the list finds the
/// few items that change anything (and, for a snapshot, the members it no longer names); everything
/// after that works on those rows only, so an unchanged million-member snapshot costs one join.
/// It follows <see cref="MembershipRules"/> exactly: the statements judge every item against the list
/// as it was before the request, and the rare items that share a row with another item are judged
/// one by one in request order.
/// </summary>
/// <param name="db">The context whose connection and transaction the statements use.</param>
/// <param name="workMem">The <c>work_mem</c> of the transaction, validated by the options.</param>
/// <param name="fewRows">
/// Up to this many driving rows (50,000 by default), the statements narrow the permanent tables to the rows
/// they need by index look-ups: the values (source keys, addresses, ids) are read back and sent as array
/// parameters, <c>column = ANY (@values)</c>, whose size the planner sees. Above it, the statements hash the
/// client's or list's rows whole, which for large inputs is cheaper than a look-up per row.
/// </param>
internal sealed class PostgresMembershipWriter(DbContext db, string workMem, int fewRows) : IMembershipWriter
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
        var sql = new Sql(connection, StoreTables.Of(db), run, cancellationToken);

        // Sorting and hashing a large snapshot in memory beats spilling it to disk; this transaction only.
        await sql.ExecuteAsync($"SET LOCAL work_mem = '{workMem}'").ConfigureAwait(false); // validated: digits and a unit

        // Every join here is a hash (or merge) join, so no plan is worse than linear. The planner knows little
        // about the temporary tables and, right after a large load, not much about one client's rows either;
        // a nested loop chosen on such a guess can rescan a table once per row of another. Where few rows are
        // involved, the statements narrow the permanent tables by index look-ups first (see fewRows).
        await sql.ExecuteAsync("SET LOCAL enable_nestloop = off").ConfigureAwait(false);
        await sql.ExecuteAsync($"""
            CREATE TEMP TABLE mailing_stage (
                idx integer NOT NULL, source_key text, email text, norm_email text, name text, metadata text NOT NULL,
                verdict text, key_suspect boolean NOT NULL, email_suspect boolean NOT NULL
            ) ON COMMIT DROP
            """).ConfigureAwait(false);
        var stage = await CopyAsync(connection, run, members, fewRows, cancellationToken).ConfigureAwait(false);

        var screened = await ScreenAsync(sql, stage).ConfigureAwait(false);
        sql.Keys = stage.Keys;
        var changes = await FindChangesAsync(sql).ConfigureAwait(false);
        if (changes <= fewRows)
        {
            sql.Emails = [.. await sql.QueryAsync("SELECT DISTINCT norm_email FROM mailing_changes WHERE idx IS NOT NULL", r => r.GetString(0)).ConfigureAwait(false)];
        }

        if (!run.Change.DryRun)
        {
            await ResolveContactsAsync(sql, rename: stage.Named > 0).ConfigureAwait(false);
        }

        if (sql.Emails is not null)
        {
            var contacts = await sql.QueryAsync(
                $"SELECT normalized_email, id FROM {sql.Tables.Contacts} WHERE client_id = @client AND audience = @audience AND normalized_email = ANY (@emails)",
                r => (Email: r.GetString(0), Id: r.GetGuid(1))).ConfigureAwait(false);
            sql.ContactEmails = [.. contacts.Select(c => c.Email)];
            sql.ContactIds = [.. contacts.Select(c => c.Id)];
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
        await ReportAsync(sql, screened, removed).ConfigureAwait(false);
        run.Results.Finish();
    }

    /// <summary>What streaming the items into the staging table found out on the way.</summary>
    /// <param name="KeySuspects">Items whose source key may repeat an earlier item's.</param>
    /// <param name="EmailSuspects">Valid items whose e-mail may repeat an earlier valid item's.</param>
    /// <param name="Named">Valid items that carry a contact name.</param>
    /// <param name="Keys">The distinct source keys, when the items are few (<c>fewRows</c>).</param>
    private readonly record struct StageCounts(int KeySuspects, int EmailSuspects, int Named, string[]? Keys);

    /// <summary>The items the statements screened out before judging: repeats of an earlier key or address.</summary>
    private readonly record struct Screened(int DuplicateSourceKeys, int DuplicateContacts)
    {
        public int Total => DuplicateSourceKeys + DuplicateContacts;
    }

    /// <summary>
    /// Streams the items into the staging table through the screen (<see cref="MemberScreen"/>): it reports the
    /// invalid ones (staged too, since their keys still count) and, remembering fingerprints only
    /// (<see cref="SuspectMemory"/>), flags the items that may repeat an earlier key or e-mail, so the
    /// statements screening for repeats look only at those.
    /// </summary>
    private static async Task<StageCounts> CopyAsync(
        NpgsqlConnection connection, MembershipRun run, IAsyncEnumerable<MemberWrite> members, int fewRows, CancellationToken cancellationToken)
    {
        int keySuspects = 0, emailSuspects = 0, named = 0;
        var fewKeys = new List<string>();
        var memory = new SuspectMemory();
        var importer = await connection.BeginBinaryImportAsync(
            "COPY mailing_stage (idx, source_key, email, norm_email, name, metadata, verdict, key_suspect, email_suspect) FROM STDIN (FORMAT BINARY)",
            cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            // Field writes are synchronous: they fill Npgsql's buffer (flushing it now and then), and the
            // async overloads would allocate a Task per field — ten million of them for a million members.
            await foreach (var item in members.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var (member, key, email) = MemberScreen.Screen(item, memory, run.Results);
                var keySuspect = key == Seen.Maybe;
                var emailSuspect = email == Seen.Maybe;
                importer.StartRow();
                importer.Write(item.Index, NpgsqlDbType.Integer);
                WriteText(importer, item.SourceObjectKey);
                WriteText(importer, item.Email);
                WriteText(importer, item.NormalizedEmail);
                WriteText(importer, item.Name);
                WriteText(importer, item.MetadataJson);
                WriteText(importer, member is null ? Invalid : null);
                importer.Write(keySuspect, NpgsqlDbType.Boolean);
                importer.Write(emailSuspect, NpgsqlDbType.Boolean);
                keySuspects += keySuspect ? 1 : 0;
                emailSuspects += emailSuspect ? 1 : 0;
                named += member?.Name is not null ? 1 : 0;
                if (item.SourceObjectKey is not null && fewKeys is not null)
                {
                    fewKeys.Add(item.SourceObjectKey);
                    fewKeys = fewKeys.Count <= fewRows ? fewKeys : null;
                }
            }

            await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }

        return new StageCounts(keySuspects, emailSuspects, named, fewKeys?.Distinct(StringComparer.Ordinal).ToArray());
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
    /// Marks repeated source keys and repeated contacts (first occurrence wins; an invalid item still
    /// holds its key). Only values flagged as possible repeats while streaming are grouped, and
    /// nothing runs at all when none was flagged.
    /// </summary>
    private static async Task<Screened> ScreenAsync(Sql sql, StageCounts stage)
    {
        var repeatedKeys = stage.KeySuspects == 0 ? 0 : await sql.ExecuteAsync($"""
            UPDATE mailing_stage s SET verdict = '{DuplicateSourceKey}'
            FROM (SELECT source_key, min(idx) AS first_idx FROM mailing_stage
                  WHERE source_key IN (SELECT source_key FROM mailing_stage WHERE key_suspect)
                  GROUP BY source_key HAVING count(*) > 1) d
            WHERE s.source_key = d.source_key AND s.idx <> d.first_idx AND s.verdict IS NULL
            """).ConfigureAwait(false);
        var repeatedEmails = stage.EmailSuspects == 0 ? 0 : await sql.ExecuteAsync($"""
            UPDATE mailing_stage s SET verdict = '{DuplicateContact}'
            FROM (SELECT norm_email, min(idx) AS first_idx FROM mailing_stage
                  WHERE verdict IS NULL AND norm_email IN (SELECT norm_email FROM mailing_stage WHERE email_suspect)
                  GROUP BY norm_email HAVING count(*) > 1) d
            WHERE s.norm_email = d.norm_email AND s.idx <> d.first_idx AND s.verdict IS NULL
            """).ConfigureAwait(false);
        return new Screened(repeatedKeys, repeatedEmails);
    }

    /// <summary>
    /// The one pass over the whole snapshot: joins every screened item with the list's row under its
    /// source key (and that row's contact) and keeps, in <c>mailing_changes</c>, only the items that
    /// are not plainly unchanged — plus, for a snapshot that removes absent members, the active rows
    /// no item names (<c>idx</c> NULL). An item is plainly unchanged when its row is active, has the
    /// same e-mail and metadata, and belongs to the contact the item's address names, whose name the
    /// item leaves as it is; such a contact holds no other row of the list, so the item is not deferred.
    /// </summary>
    /// <returns>How many rows <c>mailing_changes</c> holds.</returns>
    private static async Task<int> FindChangesAsync(Sql sql)
    {
        var absentToo = sql.Run.Change.RemoveAbsent;

        // With few items, their rows' contacts are named by id so they are found by primary key, not by
        // hashing the whole address book (a snapshot's absent rows need no contact).
        Guid[]? keyedContacts = sql.Keys is null ? null : [.. await sql.QueryAsync(
            $"SELECT contact_id FROM {sql.Tables.Members} WHERE client_id = @client AND list_id = @list AND source_object_key = ANY (@keys)",
            r => r.GetGuid(0)).ConfigureAwait(false)];
        await sql.ExecuteAsync("""
            CREATE TEMP TABLE mailing_changes (
                idx integer, source_key text, email text, norm_email text, name text, metadata text,
                k_id uuid, k_key text, k_contact uuid, k_email text, k_metadata text, k_active boolean
            ) ON COMMIT DROP
            """).ConfigureAwait(false);
        var changes = await sql.ExecuteAsync($"""
            INSERT INTO mailing_changes
            SELECT s.idx, s.source_key, s.email, s.norm_email, s.name, s.metadata,
                   k.id AS k_id, k.source_object_key AS k_key, k.contact_id AS k_contact,
                   k.email_snapshot AS k_email, k.metadata AS k_metadata, k.active AS k_active
            FROM mailing_stage s
            {(absentToo ? "FULL" : "LEFT")} JOIN (SELECT id, source_object_key, contact_id, email_snapshot, metadata, active
                       FROM {sql.Tables.Members} WHERE client_id = @client AND list_id = @list
                       {(absentToo ? string.Empty : Sql.Narrow(sql.Keys, "source_object_key = ANY (@keys)"))}) k
                   ON k.source_object_key = s.source_key
            LEFT JOIN {sql.Tables.Contacts} kc ON kc.client_id = @client AND kc.id = k.contact_id
                      {Sql.Narrow(keyedContacts, "kc.id = ANY (@keyed_contacts)")}
            WHERE CASE WHEN s.idx IS NULL THEN k.active
                       ELSE s.verdict IS NULL
                            AND NOT coalesce(k.active AND k.email_snapshot = s.email AND k.metadata = s.metadata
                                             AND kc.audience = @audience AND kc.normalized_email = s.norm_email
                                             AND (s.name IS NULL OR kc.name = s.name), false)
                  END
            """,
            keyedContacts is null ? [] : [("keyed_contacts", keyedContacts)]).ConfigureAwait(false);
        return changes;
    }


    /// <summary>Creates the contacts the changing items name that do not exist yet, and applies supplied names.</summary>
    private static async Task ResolveContactsAsync(Sql sql, bool rename)
    {
        await sql.ExecuteAsync(ContactWriteLock.Statement, ("lock_key", ContactWriteLock.Key(sql.Run.Scope))).ConfigureAwait(false);

        // ON CONFLICT DO NOTHING: a contact another transaction creates meanwhile is simply found below.
        // With few items that check alone skips the existing contacts (one index probe each); with many, an
        // anti-join finds them first, cheaper than a probe per row. The contact-write lock taken above keeps
        // other member writers of this client out, so the insert order cannot deadlock. The rows go in request
        // order with ids drawn in it, so the id indexes only grow at the end of the client's range.
        await sql.ExecuteAsync(
            $"""
            INSERT INTO {sql.Tables.Contacts} (client_id, id, audience, email, normalized_email, name, created_at, updated_at)
            SELECT @client, {SequentialGuids.Sql("row_number() OVER (ORDER BY w.idx)")}, @audience, w.email, w.norm_email, w.name, @now, @now
            FROM mailing_changes w
            WHERE w.idx IS NOT NULL
              {(sql.Emails is not null ? string.Empty : $"""
                AND NOT EXISTS (SELECT 1 FROM {sql.Tables.Contacts} c
                                WHERE c.client_id = @client AND c.audience = @audience AND c.normalized_email = w.norm_email)
                """)}
            ORDER BY w.idx
            ON CONFLICT (client_id, audience, normalized_email) WHERE normalized_email IS NOT NULL DO NOTHING
            """,
            new SequentialGuids(sql.Run.Now).Parameters).ConfigureAwait(false);
        if (!rename)
        {
            return;
        }

        // Lock the contacts in id order first, so two requests renaming shared contacts cannot deadlock.
        await sql.ExecuteAsync($"""
            WITH renamed AS (
                SELECT c.client_id, c.id, w.name
                FROM {sql.Tables.Contacts} c JOIN mailing_changes w
                  ON c.client_id = @client AND c.audience = @audience AND c.normalized_email = w.norm_email
                WHERE w.idx IS NOT NULL AND w.name IS NOT NULL AND c.name IS DISTINCT FROM w.name
                  {Sql.Narrow(sql.Emails, "c.normalized_email = ANY (@emails)")}
                ORDER BY c.id
                FOR UPDATE OF c)
            UPDATE {sql.Tables.Contacts} c SET name = r.name, updated_at = @now
            FROM renamed r WHERE c.client_id = r.client_id AND c.id = r.id
              {Sql.Narrow(sql.Emails, "c.audience = @audience AND c.normalized_email = ANY (@emails)")}
            """).ConfigureAwait(false);
    }

    /// <summary>
    /// Judges every changing item by the row with its source key (k), as <see cref="MembershipRules.DecideByKey"/>
    /// does, except deferred items, whose contact holds another row (o): their outcome stays NULL for now.
    /// </summary>
    private static Task<int> DecideAsync(Sql sql) => sql.ExecuteAsync($"""
        CREATE TEMP TABLE mailing_decide ON COMMIT DROP AS
        SELECT w.idx, w.source_key, w.email, w.norm_email, w.metadata, c.id AS contact_id,
               w.k_id, w.k_key, w.k_contact, w.k_email, w.k_metadata, w.k_active,
               o.id AS o_id, o.source_object_key AS o_key, o.active AS o_active,
               CASE
                 WHEN o.id IS NOT NULL AND o.id IS DISTINCT FROM w.k_id THEN NULL -- deferred: judged once the whole request is known
                 WHEN w.k_id IS NULL THEN '{Added}'
                 WHEN NOT w.k_active THEN '{Reactivated}'
                 WHEN w.k_contact IS DISTINCT FROM c.id OR w.k_email <> w.email OR w.k_metadata <> w.metadata THEN '{Updated}'
                 ELSE '{Unchanged}'
               END AS outcome,
               CASE WHEN (o.id IS NULL OR o.id = w.k_id) AND w.k_id IS NOT NULL
                         AND (NOT w.k_active OR w.k_contact IS DISTINCT FROM c.id OR w.k_email <> w.email OR w.k_metadata <> w.metadata)
                    THEN w.k_id END AS target_id,
               0 AS wave,
               NULL::text AS error
        FROM mailing_changes w
        LEFT JOIN {(sql.ContactIds is null
                      ? $"(SELECT normalized_email, id FROM {sql.Tables.Contacts} WHERE client_id = @client AND audience = @audience)"
                      : "unnest(@contact_emails, @contacts)")} AS c (normalized_email, id)
               ON c.normalized_email = w.norm_email
        LEFT JOIN (SELECT id, source_object_key, contact_id, active FROM {sql.Tables.Members} WHERE client_id = @client AND list_id = @list
                   {Sql.Narrow(sql.ContactIds, "contact_id = ANY (@contacts)")}) o
               ON o.contact_id = c.id
        WHERE w.idx IS NOT NULL
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
            SELECT d.idx, d.source_key, d.email, d.norm_email, d.metadata, d.contact_id,
                   d.k_id, d.k_key, d.k_contact, d.k_email, d.k_metadata, d.k_active,
                   d.o_id, d.o_key, d.o_active,
                   NOT EXISTS (SELECT 1 FROM mailing_changes a WHERE a.idx IS NULL AND a.k_id = d.o_id),
                   EXISTS (SELECT 1 FROM mailing_decide x WHERE x.target_id = d.o_id)
            FROM mailing_decide d
            WHERE d.outcome IS NULL
            ORDER BY d.idx
            """,
            r => (
                Item: new DeferredItem(
                    new ValidMember(r.GetInt32(0), r.GetString(1), r.GetString(2), r.GetString(3), null, r.GetString(4)),
                    r.GetGuid(5),
                    r.IsDBNull(6) ? null : new MembershipRow(r.GetGuid(6), r.GetString(7), r.GetGuid(8), r.GetString(9), r.GetString(10), r.GetBoolean(11), false),
                    new MembershipRow(r.GetGuid(12), r.GetString(13), r.GetGuid(5), string.Empty, string.Empty, r.GetBoolean(14), false)),
                HeldKeyInRequest: r.GetBoolean(15), // an active row no item names is among the absent rows
                HeldClaimed: r.GetBoolean(16))).ConfigureAwait(false);
        if (deferred.Count == 0)
        {
            return;
        }

        var decisions = new List<(int Index, string Outcome, string? Error, Guid? Target, int Wave)>(deferred.Count);
        foreach (var (item, heldKeyInRequest, heldClaimed) in deferred)
        {
            if (heldClaimed)
            {
                sql.Run.Claim(item.Held.Id); // by the set-based pass: wave 0
            }

            var (verdict, wave) = sql.Run.JudgeDeferred(item, heldKeyInRequest);
            decisions.Add((item.Item.Index, ToCode(verdict.Outcome), verdict.Error, verdict.RowId, wave));
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
        // With few changes, each wave's rows are named by id so the members are found by primary key.
        var waves = sql.Emails is null
            ? (await sql.QueryAsync("SELECT DISTINCT wave FROM mailing_decide WHERE target_id IS NOT NULL ORDER BY wave", r => r.GetInt32(0)).ConfigureAwait(false))
                .Select(wave => (Wave: wave, Targets: (Guid[]?)null))
            : (await sql.QueryAsync("SELECT wave, target_id FROM mailing_decide WHERE target_id IS NOT NULL", r => (Wave: r.GetInt32(0), Target: r.GetGuid(1))).ConfigureAwait(false))
                .GroupBy(t => t.Wave, t => t.Target).OrderBy(g => g.Key).Select(g => (Wave: g.Key, Targets: (Guid[]?)[.. g]));
        foreach (var (wave, targets) in waves)
        {
            await sql.ExecuteAsync(
                $"""
                UPDATE {sql.Tables.Members} m
                SET source_object_key = d.source_key, contact_id = d.contact_id, email_snapshot = d.email, metadata = d.metadata,
                    active = true, removed_at = NULL, updated_at = @now
                FROM mailing_decide d
                WHERE d.target_id IS NOT NULL AND d.wave = @wave AND m.client_id = @client AND m.list_id = @list AND m.id = d.target_id
                  {Sql.Narrow(targets, "m.id = ANY (@targets)")}
                """,
                [("wave", wave), .. targets is null ? Array.Empty<(string, object)>() : [("targets", targets)]]).ConfigureAwait(false);
        }

        // In request order with ids drawn in it, as the new contacts were: when the keys come sorted, as
        // exports usually send them, and the contacts are new, every index receives its keys in order.
        await sql.ExecuteAsync($"""
            INSERT INTO {sql.Tables.Members}
                (client_id, id, list_id, contact_id, email_snapshot, source_object_key, metadata, active, removed_at, created_at, updated_at)
            SELECT @client, {SequentialGuids.Sql("row_number() OVER (ORDER BY d.idx)")}, @list, d.contact_id, d.email, d.source_key, d.metadata, true, NULL, @now, @now
            FROM mailing_decide d WHERE d.outcome = '{Added}'
            ORDER BY d.idx
            """,
            new SequentialGuids(sql.Run.Now).Parameters).ConfigureAwait(false);
    }

    /// <summary>
    /// Soft-removes (or, in a dry run, finds) the active members no item names, found by the pass over
    /// the snapshot — except a row a deferred item re-keyed, which the snapshot now names.
    /// </summary>
    private static async Task<List<MemberResult>> RemoveAbsentAsync(Sql sql)
    {
        const string absent = """
            a.idx IS NULL AND NOT EXISTS (SELECT 1 FROM mailing_decide d WHERE d.target_id = a.k_id)
            """;
        if (sql.Run.Change.DryRun)
        {
            return await sql.QueryAsync(
                $"SELECT a.k_key, a.k_contact FROM mailing_changes a WHERE {absent} ORDER BY a.k_key", Removed).ConfigureAwait(false);
        }

        // With few changes the absent rows are named by id, so the members are found by primary key;
        // otherwise the update joins the changes table.
        Guid[]? absentIds = sql.Emails is null ? null
            : [.. await sql.QueryAsync($"SELECT a.k_id FROM mailing_changes a WHERE {absent}", r => r.GetGuid(0)).ConfigureAwait(false)];
        return await sql.QueryAsync(
            $"""
            WITH removed AS (
                UPDATE {sql.Tables.Members} m SET active = false, removed_at = @now, updated_at = @now
                {(absentIds is null ? $"FROM mailing_changes a WHERE {absent} AND m.id = a.k_id AND" : "WHERE m.id = ANY (@absent) AND")}
                      m.client_id = @client AND m.list_id = @list AND m.active
                RETURNING m.source_object_key, m.contact_id)
            SELECT source_object_key, contact_id FROM removed ORDER BY source_object_key
            """,
            Removed,
            absentIds is null ? [] : [("absent", absentIds)]).ConfigureAwait(false);

        static MemberResult Removed(NpgsqlDataReader r) => new(null, r.GetString(0), MemberOutcome.Removed, r.GetGuid(1));
    }

    /// <summary>
    /// Counts every outcome — the screened items and the plainly unchanged ones are known without a
    /// query — and reads back the items the result lists, in request order.
    /// </summary>
    private static async Task ReportAsync(Sql sql, Screened screened, List<MemberResult> removed)
    {
        var results = sql.Run.Results;
        var decided = await sql.QueryAsync(
            "SELECT outcome, count(*) FROM mailing_decide GROUP BY outcome",
            r => (Outcome: FromCode(r.GetString(0)), Count: (int)r.GetInt64(1))).ConfigureAwait(false);
        var received = results.Counts.Received;
        var plainlyUnchanged = received - results.Counts.Invalid - screened.Total - decided.Sum(c => c.Count);
        results.Tally(MemberOutcome.DuplicateSourceKey, screened.DuplicateSourceKeys);
        results.Tally(MemberOutcome.DuplicateContact, screened.DuplicateContacts);
        results.Tally(MemberOutcome.Unchanged, plainlyUnchanged);
        foreach (var (outcome, count) in decided)
        {
            results.Tally(outcome, count);
        }

        results.Tally(MemberOutcome.Removed, removed.Count);
        var summarized = results.WouldSummarize((long)received + removed.Count);
        if (summarized)
        {
            results.Summarize();
        }

        // Every item when they are all listed (a plainly unchanged one shows the contact of its row);
        // otherwise only the decided items worth reading and the screened ones, if there are any. The
        // invalid items were reported while they streamed in.
        var statement = !summarized
            ? $"""
              SELECT s.idx, s.source_key, coalesce(s.verdict, d.outcome, 'unchanged'), coalesce(d.contact_id, k.contact_id), d.error, s.email
              FROM mailing_stage s
              LEFT JOIN mailing_decide d ON d.idx = s.idx
              LEFT JOIN (SELECT source_object_key, contact_id FROM {sql.Tables.Members}
                         WHERE client_id = @client AND list_id = @list {Sql.Narrow(sql.Keys, "source_object_key = ANY (@keys)")}) k
                     ON s.verdict IS NULL AND d.idx IS NULL AND k.source_object_key = s.source_key
              WHERE s.verdict IS DISTINCT FROM '{Invalid}'
              ORDER BY s.idx
              """
            : $"""
              SELECT idx, source_key, outcome, contact_id, error, email
              FROM mailing_decide WHERE outcome NOT IN ('{Added}', '{Unchanged}')
              {(screened.Total == 0 ? string.Empty : $"UNION ALL SELECT idx, source_key, verdict, NULL, NULL, email FROM mailing_stage WHERE verdict <> '{Invalid}'")}
              ORDER BY 1
              """;
        var items = await sql.QueryAsync(statement, r =>
        {
            var outcome = FromCode(r.GetString(2));
            var key = r.IsDBNull(1) ? null : r.GetString(1);
            var email = r.IsDBNull(5) ? string.Empty : r.GetString(5);
            var error = outcome switch
            {
                _ when !r.IsDBNull(4) => r.GetString(4),
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
    private sealed class Sql(NpgsqlConnection connection, StoreTables tables, MembershipRun run, CancellationToken cancellationToken)
    {
        public MembershipRun Run { get; } = run;

        /// <summary>Mailing's tables as the model names them.</summary>
        public StoreTables Tables { get; } = tables;

        /// <summary>The request's distinct source keys (<c>@keys</c>), when the items are few.</summary>
        public string[]? Keys { get; set; }

        /// <summary>The changing items' addresses (<c>@emails</c>), when they are few.</summary>
        public string[]? Emails { get; set; }

        /// <summary>The ids of the contacts with those addresses (<c>@contacts</c>), when they are few.</summary>
        public Guid[]? ContactIds { get; set; }

        /// <summary>The addresses of <see cref="ContactIds"/>, in the same order (<c>@contact_emails</c>).</summary>
        public string[]? ContactEmails { get; set; }

        /// <summary>A narrowing condition (with its leading AND) when its values are known, that is few; nothing otherwise.</summary>
        public static string Narrow(Array? values, string condition) => values is null ? string.Empty : $"AND {condition}";

        /// <summary>Runs a statement; returns the number of rows it changed.</summary>
        public async Task<int> ExecuteAsync(string statement, params (string Name, object Value)[] extra)
        {
            await using var command = Command(statement, extra);
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        public async Task<List<T>> QueryAsync<T>(string statement, Func<NpgsqlDataReader, T> read, params (string Name, object Value)[] extra)
        {
            await using var command = Command(statement, extra);
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
            AddArray(command, "keys", NpgsqlDbType.Text, Keys);
            AddArray(command, "emails", NpgsqlDbType.Text, Emails);
            AddArray(command, "contacts", NpgsqlDbType.Uuid, ContactIds);
            AddArray(command, "contact_emails", NpgsqlDbType.Text, ContactEmails);
            foreach (var (name, value) in extra)
            {
                if (value is Guid[] ids)
                {
                    AddArray(command, name, NpgsqlDbType.Uuid, ids);
                }
                else
                {
                    command.Parameters.AddWithValue(name, value);
                }
            }

            return command;
        }

        private static void AddArray(NpgsqlCommand command, string name, NpgsqlDbType type, Array? values)
        {
            if (values is not null)
            {
                command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Array | type) { Value = values });
            }
        }
    }
}
