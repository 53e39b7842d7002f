using Mailing.RecipientLists.StoreKit;
using Mailing.Store.EfCore.Contacts;
using Mailing.Store.EfCore.RecipientLists;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Mailing.Store.EfCore.Dialects.Postgres;

/// <summary>
/// The PostgreSQL path: streams the items into a temporary staging table with binary COPY
/// (<see cref="MembershipStage"/>), then judges and applies them with a handful of set-based statements
/// (<see cref="MembershipStatements"/>) in the caller's transaction — no per-member round trip and no change
/// tracking. One join of the snapshot with the list finds the few items that change anything (and, for a
/// snapshot, the members it no longer names); everything after that works on those rows only, so an unchanged
/// million-member snapshot costs one join. It follows the store kit exactly: the statements judge every item
/// against the list as it was before the request as <see cref="MembershipRules"/> do, and the rare items that
/// share a row with another item are judged one by one in request order by <see cref="MembershipRun.JudgeDeferred"/>.
/// </summary>
/// <param name="db">The context whose connection and transaction the statements use.</param>
/// <param name="workMem">The <c>work_mem</c> of the transaction, validated by the options.</param>
/// <param name="fewRows">
/// Up to this many driving rows (50,000 by default), the statements narrow the permanent tables to the rows
/// they need by index look-ups: the values (source keys, addresses, ids) are read back and sent as array
/// parameters, <c>column = ANY (@values)</c>, whose size the planner sees (<see cref="SetBasedParameters"/>).
/// Above it, the statements hash the client's or list's rows whole, which for large inputs is cheaper than a
/// look-up per row.
/// </param>
internal sealed class PostgresMembershipWriter(DbContext db, string workMem, int fewRows) : IMembershipWriter
{
    public async Task ApplyAsync(MembershipRun run, IAsyncEnumerable<MemberWrite> members, CancellationToken cancellationToken)
    {
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var sql = new SetBasedRun(run, new SetBasedCommands(connection, cancellationToken), new MembershipStatements(StoreTables.Of(db)));
        var p = new SetBasedParameters(run.Scope, run.ListId, run.Now);
        await sql.ExecuteAsync(MembershipStatements.SetWorkMem(workMem), p).ConfigureAwait(false);
        await sql.ExecuteAsync(MembershipStatements.NoNestedLoops, p).ConfigureAwait(false);
        await sql.ExecuteAsync(MembershipStatements.CreateStage, p).ConfigureAwait(false);
        var staged = await MembershipStage.CopyAsync(connection, run, members, fewRows, cancellationToken).ConfigureAwait(false);

        var repeats = await SettleRepeatsAsync(sql, p, staged).ConfigureAwait(false);
        p = p with { Keys = staged.Keys };
        if (await FindChangesAsync(sql, p).ConfigureAwait(false) <= fewRows)
        {
            p = p with { Emails = [.. await sql.QueryAsync(MembershipStatements.ChangingEmails, p, r => r.GetString(0)).ConfigureAwait(false)] };
        }

        if (!run.Change.DryRun)
        {
            await ResolveContactsAsync(sql, p, rename: staged.Named > 0).ConfigureAwait(false);
        }

        if (p.FewChanges)
        {
            var contacts = await sql.QueryAsync(sql.Statements.ExistingContacts, p, r => (Email: r.GetString(0), Id: r.GetGuid(1))).ConfigureAwait(false);
            p = p with { Contacts = new KnownContacts([.. contacts.Select(c => c.Email)], [.. contacts.Select(c => c.Id)]) };
        }

        await sql.ExecuteAsync(sql.Statements.Decide(p), p).ConfigureAwait(false);
        await DecideDeferredAsync(sql, p).ConfigureAwait(false);
        if (run.Change.RejectConflicts)
        {
            await RejectConflictsAsync(sql, p).ConfigureAwait(false);
        }

        if (!run.Change.DryRun)
        {
            await WriteMembersAsync(sql, p).ConfigureAwait(false);
        }

        var removed = run.Change.RemoveAbsent && run.ListId is not null ? await RemoveAbsentAsync(sql, p).ConfigureAwait(false) : [];
        await ReportAsync(sql, p, repeats, removed).ConfigureAwait(false);
        run.Results.Finish();
    }

    /// <summary>The repeats the statements settled: items whose key or address an earlier item has.</summary>
    private readonly record struct Repeats(int SourceKeys, int Contacts)
    {
        public int Total => SourceKeys + Contacts;
    }

    /// <summary>Settles the possible repeats flagged while streaming; nothing runs when none was flagged.</summary>
    private static async Task<Repeats> SettleRepeatsAsync(SetBasedRun sql, SetBasedParameters p, StagedItems staged)
    {
        var keys = staged.KeySuspects == 0 ? 0 : await sql.ExecuteAsync(MembershipStatements.MarkRepeatedKeys, p).ConfigureAwait(false);
        var emails = staged.EmailSuspects == 0 ? 0 : await sql.ExecuteAsync(MembershipStatements.MarkRepeatedEmails, p).ConfigureAwait(false);
        return new Repeats(keys, emails);
    }

    /// <summary>Fills <c>mailing_changes</c> (see <see cref="MembershipStatements.FindChanges"/>); returns how many rows it holds.</summary>
    private static async Task<int> FindChangesAsync(SetBasedRun sql, SetBasedParameters p)
    {
        // With few items, their rows' contacts are named by id so they are found by primary key, not by
        // hashing the whole address book (a snapshot's absent rows need no contact).
        Guid[]? keyedContacts = p.Keys is null ? null
            : [.. await sql.QueryAsync(sql.Statements.KeyedContacts, p, r => r.GetGuid(0)).ConfigureAwait(false)];
        await sql.ExecuteAsync(MembershipStatements.CreateChanges, p).ConfigureAwait(false);
        return await sql.ExecuteAsync(
            sql.Statements.FindChanges(p, sql.Run.Change.RemoveAbsent, keyedContacts is not null),
            p,
            keyedContacts is null ? [] : [("keyed_contacts", keyedContacts)]).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates the contacts the changing items name that do not exist yet, and applies supplied names, under the
    /// client's contact-write lock: it keeps other member writers of this client out, so the inserts cannot deadlock.
    /// </summary>
    private static async Task ResolveContactsAsync(SetBasedRun sql, SetBasedParameters p, bool rename)
    {
        await sql.ExecuteAsync(ContactWriteLock.Statement, p, ("lock_key", ContactWriteLock.Key(sql.Run.Scope))).ConfigureAwait(false);
        await sql.ExecuteAsync(sql.Statements.InsertContacts(p), p, new SequentialGuids(sql.Run.Now).Parameters).ConfigureAwait(false);
        if (rename)
        {
            await sql.ExecuteAsync(sql.Statements.RenameContacts(p), p).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Judges the deferred items in request order (<see cref="MembershipRun.JudgeDeferred"/>) and records each
    /// decision with its wave: a change that takes a contact another change frees must be written after it, or
    /// the (list, contact) unique index would see the contact twice.
    /// </summary>
    private static async Task DecideDeferredAsync(SetBasedRun sql, SetBasedParameters p)
    {
        var deferred = await sql.QueryAsync(
            MembershipStatements.Deferred,
            p,
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
                sql.Run.Claim(item.Held.Id); // by the statements: wave 0
            }

            var (verdict, wave) = sql.Run.JudgeDeferred(item, heldKeyInRequest);
            decisions.Add((item.Item.Index, MembershipStatements.ToCode(verdict.Outcome), verdict.Error, verdict.RowId, wave));
        }

        await sql.ExecuteAsync(
            MembershipStatements.RecordDeferred,
            p,
            ("idx", decisions.Select(x => x.Index).ToArray()),
            ("outcome", decisions.Select(x => x.Outcome).ToArray()),
            ("error", decisions.Select(x => x.Error).ToArray()),
            ("target", decisions.Select(x => x.Target).ToArray()),
            ("wave", decisions.Select(x => x.Wave).ToArray())).ConfigureAwait(false);
    }

    private static async Task RejectConflictsAsync(SetBasedRun sql, SetBasedParameters p)
    {
        var conflicts = await sql.QueryAsync(MembershipStatements.FirstConflict, p, r => r.GetString(0)).ConfigureAwait(false);
        if (conflicts.Count > 0)
        {
            throw new MailingConflictException("Email", conflicts[0]);
        }
    }

    /// <summary>
    /// Writes the changes: updates first, wave by wave (a wave may take contacts the previous one
    /// freed), then the inserts, whose contacts may have been freed by any update.
    /// </summary>
    private static async Task WriteMembersAsync(SetBasedRun sql, SetBasedParameters p)
    {
        // With few changes, each wave's rows are named by id so the members are found by primary key.
        var waves = p.FewChanges
            ? (await sql.QueryAsync(MembershipStatements.WaveTargets, p, r => (Wave: r.GetInt32(0), Target: r.GetGuid(1))).ConfigureAwait(false))
                .GroupBy(t => t.Wave, t => t.Target).OrderBy(g => g.Key).Select(g => (Wave: g.Key, Targets: (Guid[]?)[.. g]))
            : (await sql.QueryAsync(MembershipStatements.Waves, p, r => r.GetInt32(0)).ConfigureAwait(false))
                .Select(wave => (Wave: wave, Targets: (Guid[]?)null));
        foreach (var (wave, targets) in waves)
        {
            await sql.ExecuteAsync(
                sql.Statements.UpdateWave(targets is not null),
                p,
                [("wave", wave), .. targets is null ? Array.Empty<(string, object)>() : [("targets", targets)]]).ConfigureAwait(false);
        }

        await sql.ExecuteAsync(sql.Statements.InsertMembers, p, new SequentialGuids(sql.Run.Now).Parameters).ConfigureAwait(false);
    }

    /// <summary>
    /// Soft-removes (or, in a dry run, finds) the active members no item names, found by the pass over
    /// the snapshot — except a row a deferred item re-keyed, which the snapshot now names.
    /// </summary>
    private static async Task<List<MemberResult>> RemoveAbsentAsync(SetBasedRun sql, SetBasedParameters p)
    {
        if (sql.Run.Change.DryRun)
        {
            return await sql.QueryAsync(MembershipStatements.AbsentRows, p, Removed).ConfigureAwait(false);
        }

        // With few changes the absent rows are named by id, so the members are found by primary key;
        // otherwise the update joins the changes table.
        Guid[]? absentIds = p.FewChanges
            ? [.. await sql.QueryAsync(MembershipStatements.AbsentIds, p, r => r.GetGuid(0)).ConfigureAwait(false)]
            : null;
        return await sql.QueryAsync(
            sql.Statements.RemoveAbsent(absentIds is not null), p, Removed, absentIds is null ? [] : [("absent", absentIds)]).ConfigureAwait(false);

        static MemberResult Removed(NpgsqlDataReader r) => new(null, r.GetString(0), MemberOutcome.Removed, r.GetGuid(1));
    }

    /// <summary>
    /// Counts every outcome — the repeats and the plainly unchanged items are known without a query, the invalid
    /// ones were reported while streaming — and reads back the items the result lists, in request order.
    /// </summary>
    private static async Task ReportAsync(SetBasedRun sql, SetBasedParameters p, Repeats repeats, List<MemberResult> removed)
    {
        var results = sql.Run.Results;
        var decided = await sql.QueryAsync(
            MembershipStatements.CountDecided,
            p,
            r => (Outcome: MembershipStatements.FromCode(r.GetString(0)), Count: (int)r.GetInt64(1))).ConfigureAwait(false);
        var received = results.Counts.Received;
        results.Tally(MemberOutcome.DuplicateSourceKey, repeats.SourceKeys);
        results.Tally(MemberOutcome.DuplicateContact, repeats.Contacts);
        results.Tally(MemberOutcome.Unchanged, received - results.Counts.Invalid - repeats.Total - decided.Sum(c => c.Count));
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

        var items = await sql.QueryAsync(summarized ? MembershipStatements.ReadDetails(repeats.Total > 0) : sql.Statements.ReadItems(p), p, r =>
        {
            var outcome = MembershipStatements.FromCode(r.GetString(2));
            var key = r.IsDBNull(1) ? null : r.GetString(1);
            var error = outcome switch
            {
                _ when !r.IsDBNull(4) => r.GetString(4),
                MemberOutcome.DuplicateSourceKey => MembershipRules.RepeatedKey(key ?? string.Empty),
                MemberOutcome.DuplicateContact => MembershipRules.RepeatedEmail(r.IsDBNull(5) ? string.Empty : r.GetString(5)),
                _ => null,
            };
            return new MemberResult(r.GetInt32(0), key, outcome, r.IsDBNull(3) ? null : r.GetGuid(3), error);
        }).ConfigureAwait(false);
        foreach (var item in items.Concat(removed))
        {
            results.Keep(item);
        }
    }

    /// <summary>One run's commands, statements and store-kit state.</summary>
    private sealed record SetBasedRun(MembershipRun Run, SetBasedCommands Commands, MembershipStatements Statements)
    {
        public Task<int> ExecuteAsync(string statement, SetBasedParameters p, params (string Name, object Value)[] arguments) =>
            Commands.ExecuteAsync(statement, p, arguments);

        public Task<List<T>> QueryAsync<T>(string statement, SetBasedParameters p, Func<NpgsqlDataReader, T> read, params (string Name, object Value)[] arguments) =>
            Commands.QueryAsync(statement, p, read, arguments);
    }
}
