using Mailing.RecipientLists.StoreKit;

namespace Mailing.Store.EfCore.Dialects.Postgres;

/// <summary>
/// The text of the set-based path's statements, over three work tables that live until the transaction
/// ends: <c>mailing_stage</c> (every item, as streamed in), <c>mailing_changes</c> (the items that are not
/// plainly unchanged, and for a snapshot the rows it no longer names) and <c>mailing_decide</c> (the
/// changing items with their outcomes). Each statement that depends on what is known (few values, a
/// snapshot) is built from the <see cref="SetBasedParameters"/> it will be bound with; each conditional
/// fragment is written once, below the statements.
/// </summary>
/// <param name="tables">Mailing's tables as the model names them.</param>
internal sealed class MembershipStatements(StoreTables tables)
{
    private const string Added = "added";
    private const string Updated = "updated";
    private const string Reactivated = "reactivated";
    private const string Unchanged = "unchanged";
    private const string DuplicateContact = "duplicate_contact";
    private const string DuplicateSourceKey = "duplicate_source_key";
    private const string Invalid = "invalid";

    /// <summary>An absent row of <c>mailing_changes</c> (alias <c>a</c>): no item names it, and no deferred item re-keyed it.</summary>
    private const string AbsentRow = "a.idx IS NULL AND NOT EXISTS (SELECT 1 FROM mailing_decide d WHERE d.target_id = a.k_id)";

    /// <summary>Sorting and hashing a large snapshot in memory beats spilling it to disk; this transaction only.</summary>
    public static string SetWorkMem(string workMem) => $"SET LOCAL work_mem = '{workMem}'"; // validated: digits and a unit

    /// <summary>
    /// Every join here is a hash (or merge) join, so no plan is worse than linear. The planner knows little about
    /// the work tables and, right after a large load, not much about one client's rows either; a nested loop
    /// chosen on such a guess can rescan a table once per row of another. Where few rows are involved, the
    /// statements narrow the permanent tables by index look-ups first.
    /// </summary>
    public const string NoNestedLoops = "SET LOCAL enable_nestloop = off";

    /// <summary>The staging table: one row per item; <c>verdict</c> is set for the items screened out.</summary>
    public const string CreateStage = """
        CREATE TEMP TABLE mailing_stage (
            idx integer NOT NULL, source_key text, email text, norm_email text, name text, metadata text NOT NULL,
            verdict text, key_suspect boolean NOT NULL, email_suspect boolean NOT NULL
        ) ON COMMIT DROP
        """;

    /// <summary>The binary COPY into the staging table, its columns in the order <see cref="MembershipStage"/> writes them.</summary>
    public const string CopyStage =
        "COPY mailing_stage (idx, source_key, email, norm_email, name, metadata, verdict, key_suspect, email_suspect) FROM STDIN (FORMAT BINARY)";

    /// <summary>
    /// Settles the possible key repeats flagged while streaming (<see cref="MemberScreen"/>, first occurrence
    /// winning; an invalid item still holds its key).
    /// </summary>
    public const string MarkRepeatedKeys = $"""
        UPDATE mailing_stage s SET verdict = '{DuplicateSourceKey}'
        FROM (SELECT source_key, min(idx) AS first_idx FROM mailing_stage
              WHERE source_key IN (SELECT source_key FROM mailing_stage WHERE key_suspect)
              GROUP BY source_key HAVING count(*) > 1) d
        WHERE s.source_key = d.source_key AND s.idx <> d.first_idx AND s.verdict IS NULL
        """;

    /// <summary>Settles the possible address repeats among the items still standing, after <see cref="MarkRepeatedKeys"/>.</summary>
    public const string MarkRepeatedEmails = $"""
        UPDATE mailing_stage s SET verdict = '{DuplicateContact}'
        FROM (SELECT norm_email, min(idx) AS first_idx FROM mailing_stage
              WHERE verdict IS NULL AND norm_email IN (SELECT norm_email FROM mailing_stage WHERE email_suspect)
              GROUP BY norm_email HAVING count(*) > 1) d
        WHERE s.norm_email = d.norm_email AND s.idx <> d.first_idx AND s.verdict IS NULL
        """;

    /// <summary>The table of the items that change something (and the absent rows, <c>idx</c> NULL), with their rows by key (<c>k_</c>).</summary>
    public const string CreateChanges = """
        CREATE TEMP TABLE mailing_changes (
            idx integer, source_key text, email text, norm_email text, name text, metadata text,
            k_id uuid, k_key text, k_contact uuid, k_email_snapshot text, k_metadata text, k_active boolean
        ) ON COMMIT DROP
        """;

    /// <summary>The addresses of the changing items, read back when they are few.</summary>
    public const string ChangingEmails = "SELECT DISTINCT norm_email FROM mailing_changes WHERE idx IS NOT NULL";

    /// <summary>The deferred items with the two rows they looked at, in request order.</summary>
    public const string Deferred = $"""
        SELECT d.idx, d.source_key, d.email, d.norm_email, d.metadata, d.contact_id,
               d.k_id, d.k_key, d.k_contact, d.k_email_snapshot, d.k_metadata, d.k_active,
               d.o_id, d.o_key, d.o_active,
               NOT EXISTS (SELECT 1 FROM mailing_changes a WHERE a.idx IS NULL AND a.k_id = d.o_id),
               EXISTS (SELECT 1 FROM mailing_decide x WHERE x.target_id = d.o_id)
        FROM mailing_decide d
        WHERE d.outcome IS NULL
        ORDER BY d.idx
        """;

    /// <summary>Records the deferred items' decisions, bound as parallel arrays.</summary>
    public const string RecordDeferred = """
        UPDATE mailing_decide d SET outcome = v.outcome, error = v.error, target_id = v.target_id, wave = v.wave
        FROM unnest(@idx, @outcome, @error, @target, @wave) AS v(idx, outcome, error, target_id, wave)
        WHERE d.idx = v.idx
        """;

    /// <summary>The first duplicate contact's error, for a request that rejects conflicts.</summary>
    public const string FirstConflict = $"SELECT error FROM mailing_decide WHERE outcome = '{DuplicateContact}' ORDER BY idx LIMIT 1";

    /// <summary>The waves of updates, when the changes are many.</summary>
    public const string Waves = "SELECT DISTINCT wave FROM mailing_decide WHERE target_id IS NOT NULL ORDER BY wave";

    /// <summary>The rows each wave updates, when the changes are few.</summary>
    public const string WaveTargets = "SELECT wave, target_id FROM mailing_decide WHERE target_id IS NOT NULL";

    /// <summary>The absent rows as a dry run reports them: source key and contact, in key order.</summary>
    public const string AbsentRows = $"SELECT a.k_key, a.k_contact FROM mailing_changes a WHERE {AbsentRow} ORDER BY a.k_key";

    /// <summary>The absent rows' ids, when the changes are few.</summary>
    public const string AbsentIds = $"SELECT a.k_id FROM mailing_changes a WHERE {AbsentRow}";

    /// <summary>How many changing items each outcome has.</summary>
    public const string CountDecided = "SELECT outcome, count(*) FROM mailing_decide GROUP BY outcome";

    /// <summary>The contacts of the rows under the request's keys, when the items are few.</summary>
    public string KeyedContacts =>
        $"SELECT contact_id FROM {tables.Members} WHERE client_id = @client AND list_id = @list AND source_object_key = ANY (@keys)";

    /// <summary>The existing contacts with the changing items' addresses, when they are few.</summary>
    public string ExistingContacts =>
        $"SELECT normalized_email, id FROM {tables.Contacts} WHERE client_id = @client AND audience = @audience AND normalized_email = ANY (@emails)";

    /// <summary>
    /// The one pass over the whole snapshot: joins every screened item with the list's row under its source key
    /// (and that row's contact) and keeps, in <c>mailing_changes</c>, only the items that are not plainly
    /// unchanged — plus, for a snapshot that removes absent members, the active rows no item names (<c>idx</c>
    /// NULL). An item is plainly unchanged when its row stays as the item would write it
    /// (<see cref="MembershipRules.Changes"/>) for the contact the item's address names, whose name the item
    /// leaves as it is; such a contact holds no other row of the list, so the item is not deferred.
    /// </summary>
    /// <param name="p">The values bound.</param>
    /// <param name="removeAbsent">Whether the request is a snapshot that removes absent members.</param>
    /// <param name="keyedContacts">Whether the rows' contacts are bound as <c>@keyed_contacts</c>.</param>
    public string FindChanges(SetBasedParameters p, bool removeAbsent, bool keyedContacts) => $"""
        INSERT INTO mailing_changes
        SELECT s.idx, s.source_key, s.email, s.norm_email, s.name, s.metadata,
               k.id, k.source_object_key, k.contact_id, k.email_snapshot, k.metadata, k.active
        FROM mailing_stage s
        {(removeAbsent ? "FULL" : "LEFT")} JOIN (SELECT id, source_object_key, contact_id, email_snapshot, metadata, active
                   FROM {tables.Members} WHERE client_id = @client AND list_id = @list
                   {(removeAbsent ? string.Empty : ToKeys(p, "source_object_key"))}) k
               ON k.source_object_key = s.source_key
        LEFT JOIN {tables.Contacts} kc ON kc.client_id = @client AND kc.id = k.contact_id
                  {(keyedContacts ? "AND kc.id = ANY (@keyed_contacts)" : string.Empty)}
        WHERE CASE WHEN s.idx IS NULL THEN k.active
                   ELSE s.verdict IS NULL
                        AND NOT coalesce(k.active
                                         AND {RowStays("k.", "s.", "kc.audience = @audience AND kc.normalized_email = s.norm_email")}
                                         AND (s.name IS NULL OR kc.name = s.name), false)
              END
        """;

    /// <summary>
    /// Creates the contacts the changing items name that do not exist yet (<c>ON CONFLICT DO NOTHING</c>: one
    /// another transaction creates meanwhile is simply found later). With few items that check alone skips the
    /// existing contacts (one index probe each); with many, an anti-join finds them first, cheaper than a probe
    /// per row. The rows go in request order with ids drawn in it, so the id indexes only grow at the end of the
    /// client's range. Binds <see cref="SequentialGuids.Parameters"/>.
    /// </summary>
    public string InsertContacts(SetBasedParameters p) => $"""
        INSERT INTO {tables.Contacts} (client_id, id, audience, email, normalized_email, name, created_at, updated_at)
        SELECT @client, {SequentialGuids.Sql("row_number() OVER (ORDER BY w.idx)")}, @audience, w.email, w.norm_email, w.name, @now, @now
        FROM mailing_changes w
        WHERE w.idx IS NOT NULL
          {(p.FewChanges ? string.Empty : $"""
            AND NOT EXISTS (SELECT 1 FROM {tables.Contacts} c
                            WHERE c.client_id = @client AND c.audience = @audience AND c.normalized_email = w.norm_email)
            """)}
        ORDER BY w.idx
        ON CONFLICT (client_id, audience, normalized_email) WHERE normalized_email IS NOT NULL DO NOTHING
        """;

    /// <summary>Applies the names the changing items supply, locking the contacts in id order first so two requests renaming shared contacts cannot deadlock.</summary>
    public string RenameContacts(SetBasedParameters p) => $"""
        WITH renamed AS (
            SELECT c.client_id, c.id, w.name
            FROM {tables.Contacts} c JOIN mailing_changes w
              ON c.client_id = @client AND c.audience = @audience AND c.normalized_email = w.norm_email
            WHERE w.idx IS NOT NULL AND w.name IS NOT NULL AND c.name IS DISTINCT FROM w.name
              {ToChangingContacts(p, "c")}
            ORDER BY c.id
            FOR UPDATE OF c)
        UPDATE {tables.Contacts} c SET name = r.name, updated_at = @now
        FROM renamed r WHERE c.client_id = r.client_id AND c.id = r.id
          {ToChangingContacts(p, "c")}
        """;

    /// <summary>
    /// Judges every changing item by the row with its source key (k) as <see cref="MembershipRules.DecideByKey"/>
    /// does — the row it changes (<c>target_id</c>) follows from the outcome — except deferred items, whose contact
    /// holds another row (o): their outcome stays NULL for now.
    /// </summary>
    public string Decide(SetBasedParameters p) => $"""
        CREATE TEMP TABLE mailing_decide ON COMMIT DROP AS
        SELECT j.*,
               CASE WHEN j.outcome IN ('{Reactivated}', '{Updated}') THEN j.k_id END AS target_id,
               0 AS wave,
               NULL::text AS error
        FROM (
            SELECT w.idx, w.source_key, w.email, w.norm_email, w.metadata, c.id AS contact_id,
                   w.k_id, w.k_key, w.k_contact, w.k_email_snapshot, w.k_metadata, w.k_active,
                   o.id AS o_id, o.source_object_key AS o_key, o.active AS o_active,
                   CASE
                     WHEN o.id IS NOT NULL AND o.id IS DISTINCT FROM w.k_id THEN NULL -- deferred: judged once the whole request is known
                     WHEN w.k_id IS NULL THEN '{Added}'
                     WHEN NOT w.k_active THEN '{Reactivated}'
                     WHEN NOT {RowStays("w.k_", "w.", "w.k_contact IS NOT DISTINCT FROM c.id")} THEN '{Updated}'
                     ELSE '{Unchanged}'
                   END AS outcome
            FROM mailing_changes w
            LEFT JOIN {(p.Contacts is null
                          ? $"(SELECT normalized_email, id FROM {tables.Contacts} WHERE client_id = @client AND audience = @audience)"
                          : "unnest(@contact_emails, @contacts)")} AS c (normalized_email, id)
                   ON c.normalized_email = w.norm_email
            LEFT JOIN (SELECT id, source_object_key, contact_id, active FROM {tables.Members} WHERE client_id = @client AND list_id = @list
                       {(p.Contacts is null ? string.Empty : "AND contact_id = ANY (@contacts)")}) o
                   ON o.contact_id = c.id
            WHERE w.idx IS NOT NULL) j
        """;

    /// <summary>Updates one wave's rows (<c>@wave</c>); with <paramref name="targets"/>, they are bound by id as <c>@targets</c>.</summary>
    public string UpdateWave(bool targets) => $"""
        UPDATE {tables.Members} m
        SET source_object_key = d.source_key, contact_id = d.contact_id, email_snapshot = d.email, metadata = d.metadata,
            active = true, removed_at = NULL, updated_at = @now
        FROM mailing_decide d
        WHERE d.target_id IS NOT NULL AND d.wave = @wave AND m.client_id = @client AND m.list_id = @list AND m.id = d.target_id
          {(targets ? "AND m.id = ANY (@targets)" : string.Empty)}
        """;

    /// <summary>
    /// Inserts the added members in request order with ids drawn in it, as the new contacts were: when the keys come
    /// sorted, as exports usually send them, and the contacts are new, every index receives its keys in order.
    /// Binds <see cref="SequentialGuids.Parameters"/>.
    /// </summary>
    public string InsertMembers => $"""
        INSERT INTO {tables.Members}
            (client_id, id, list_id, contact_id, email_snapshot, source_object_key, metadata, active, removed_at, created_at, updated_at)
        SELECT @client, {SequentialGuids.Sql("row_number() OVER (ORDER BY d.idx)")}, @list, d.contact_id, d.email, d.source_key, d.metadata, true, NULL, @now, @now
        FROM mailing_decide d WHERE d.outcome = '{Added}'
        ORDER BY d.idx
        """;

    /// <summary>
    /// Soft-removes the absent rows, returning their source keys and contacts in key order; with
    /// <paramref name="ids"/>, the rows are bound by id as <c>@absent</c> and found by primary key.
    /// </summary>
    public string RemoveAbsent(bool ids) => $"""
        WITH removed AS (
            UPDATE {tables.Members} m SET active = false, removed_at = @now, updated_at = @now
            {(ids ? "WHERE m.id = ANY (@absent) AND" : $"FROM mailing_changes a WHERE {AbsentRow} AND m.id = a.k_id AND")}
                  m.client_id = @client AND m.list_id = @list AND m.active
            RETURNING m.source_object_key, m.contact_id)
        SELECT source_object_key, contact_id FROM removed ORDER BY source_object_key
        """;

    /// <summary>
    /// Every item but the invalid ones (reported while streaming), in request order: index, source key, outcome,
    /// contact, error, address. A plainly unchanged item shows the contact of its row.
    /// </summary>
    public string ReadItems(SetBasedParameters p) => $"""
        SELECT s.idx, s.source_key, coalesce(s.verdict, d.outcome, '{Unchanged}'), coalesce(d.contact_id, k.contact_id), d.error, s.email
        FROM mailing_stage s
        LEFT JOIN mailing_decide d ON d.idx = s.idx
        LEFT JOIN (SELECT source_object_key, contact_id FROM {tables.Members}
                   WHERE client_id = @client AND list_id = @list {ToKeys(p, "source_object_key")}) k
               ON s.verdict IS NULL AND d.idx IS NULL AND k.source_object_key = s.source_key
        WHERE s.verdict IS DISTINCT FROM '{Invalid}'
        ORDER BY s.idx
        """;

    /// <summary>Like <see cref="ReadItems"/>, but only the items worth reading (summarized results); <paramref name="screened"/>: some items were screened out by the statements.</summary>
    public static string ReadDetails(bool screened) => $"""
        SELECT idx, source_key, outcome, contact_id, error, email
        FROM mailing_decide WHERE outcome NOT IN ('{Added}', '{Unchanged}')
        {(screened ? $"UNION ALL SELECT idx, source_key, verdict, NULL, NULL, email FROM mailing_stage WHERE verdict <> '{Invalid}'" : string.Empty)}
        ORDER BY 1
        """;

    /// <summary>The staged verdict of an invalid item.</summary>
    public static string InvalidVerdict => Invalid;

    /// <summary>The code an outcome is stored under in the work tables.</summary>
    public static string ToCode(MemberOutcome outcome) => outcome switch
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

    /// <summary>The outcome stored under <paramref name="code"/>.</summary>
    public static MemberOutcome FromCode(string code) => code switch
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

    /// <summary>
    /// <see cref="MembershipRules.Changes"/>, negated, over SQL columns: the row (columns prefixed <paramref name="row"/>)
    /// keeps its address and metadata under the item (prefixed <paramref name="item"/>), and its contact by
    /// <paramref name="sameContact"/>.
    /// </summary>
    private static string RowStays(string row, string item, string sameContact) =>
        $"({row}email_snapshot = {item}email AND {row}metadata = {item}metadata AND {sameContact})";

    /// <summary>Narrows <paramref name="column"/> to the request's keys when they are known (few).</summary>
    private static string ToKeys(SetBasedParameters p, string column) =>
        p.Keys is null ? string.Empty : $"AND {column} = ANY (@keys)";

    /// <summary>Narrows contacts (alias <paramref name="alias"/>) to the changing items' addresses when they are known (few).</summary>
    private static string ToChangingContacts(SetBasedParameters p, string alias) =>
        p.Emails is null ? string.Empty : $"AND {alias}.audience = @audience AND {alias}.normalized_email = ANY (@emails)";
}
