using BenchmarkDotNet.Attributes;
using Mailing.RecipientLists.StoreKit;
using Mailing.Stores;

namespace Mailing.Benchmarks;

/// <summary>
/// Judging a 1M-member snapshot against 1M current members in memory (1% changed, 1% new, 1% absent):
/// the batched path's engine (screening, <c>MembershipRules</c>, result collection, absent detection),
/// for a snapshot in source-key order and for one out of order, against a plain LINQ diff of the same data.
/// What a store would read (the rows of a chunk's keys, the contacts of new addresses) comes from
/// arrays and dictionaries built in the setup.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class InMemoryDiffBenchmarks
{
    private const int Members = 1_000_000;
    private MemberWrite[] _snapshot = null!;
    private MemberWrite[] _shuffled = null!;
    private Dictionary<string, MembershipRow> _current = null!;
    private Dictionary<string, Guid> _contacts = null!;
    private MembershipRow[] _rows = null!;
    private string[] _rowEmails = null!;
    private Dictionary<string, MembershipRow> _rowsByEmail = null!;

    [GlobalSetup]
    public void Setup()
    {
        var onePercent = Members / 100;
        _contacts = new Dictionary<string, Guid>(Members + onePercent, StringComparer.Ordinal);
        _current = new Dictionary<string, MembershipRow>(Members, StringComparer.Ordinal);
        for (var i = 0; i < Members + onePercent; i++)
        {
            _contacts[$"user{i}@example.com"] = Guid.CreateVersion7();
        }

        for (var i = 0; i < Members; i++)
        {
            var key = $"submission:{i:D8}";
            _current[key] = new MembershipRow(Guid.CreateVersion7(), key, _contacts[$"user{i}@example.com"], $"user{i}@example.com", "{}", true, false);
        }

        // The list's rows in key order, each with its contact's address, as the database returns them.
        _rows = [.. _current.Values.OrderBy(r => r.SourceObjectKey, StringComparer.Ordinal)];
        _rowEmails = [.. _rows.Select(r => r.EmailSnapshot)];
        _rowsByEmail = _current.Values.ToDictionary(r => r.EmailSnapshot, StringComparer.Ordinal);

        // Drop the first 1%, change the next 1% (metadata), add 1% new.
        _snapshot = [.. Enumerable.Range(onePercent, Members).Select((i, index) => new MemberWrite(
            index, $"submission:{i:D8}", $"user{i}@example.com", $"user{i}@example.com", null, i < 2 * onePercent ? """{"changed":true}""" : "{}"))];
        var shuffled = _snapshot.ToArray();
        new Random(42).Shuffle(shuffled);
        _shuffled = [.. shuffled.Select((item, index) => item with { Index = index })];
    }

    [Benchmark(Baseline = true, Description = "naive: LINQ joins and ExceptBy")]
    public int Naive()
    {
        var snapshotKeys = _snapshot.Select(s => s.SourceObjectKey!).ToHashSet(StringComparer.Ordinal);
        var added = _snapshot.ExceptBy(_current.Keys, s => s.SourceObjectKey!).Count();
        var changed = _snapshot.Join(_current.Values, s => s.SourceObjectKey, c => c.SourceObjectKey, (s, c) => (s, c))
            .Count(p => p.s.MetadataJson != p.c.Metadata || p.s.Email != p.c.EmailSnapshot);
        var removed = _current.Keys.Count(k => !snapshotKeys.Contains(k));
        return added + changed + removed;
    }

    [Benchmark(Description = "Mailing, snapshot in key order: OrderedRequest + MembershipRules + results")]
    public int MailingInKeyOrder()
    {
        var run = new MembershipRun(
            MailingScope.ForClient("bench"), Guid.Empty, new MembershipChange(null, Reconcile: true, DryRun: true, RemoveAbsent: true), DateTimeOffset.UnixEpoch, 10_000);
        var rowAt = 0;
        var keyed = new int[500];
        var settled = new bool[500];
        foreach (var chunk in _snapshot.Chunk(500))
        {
            if (!run.StaysOrdered(chunk))
            {
                throw new InvalidOperationException("The snapshot is in key order.");
            }

            var ordered = run.Ordered!;
            var candidates = run.Screen(chunk);

            // The store's part: the rows with the chunk's keys (a range of the key index), one per candidate.
            for (var i = 0; i < candidates.Count; i++)
            {
                var key = candidates[i].SourceObjectKey;
                while (rowAt < _rows.Length && string.CompareOrdinal(_rows[rowAt].SourceObjectKey, key) < 0)
                {
                    rowAt++;
                }

                keyed[i] = rowAt < _rows.Length && _rows[rowAt].SourceObjectKey == key ? rowAt : -1;
            }

            for (var i = 0; i < candidates.Count; i++)
            {
                var item = candidates[i];
                var at = keyed[i];
                settled[i] = OrderedRequest.Settles(item, at < 0 ? null : _rows[at], at < 0 ? null : _rowEmails[at], null);
                if (settled[i])
                {
                    ordered.Settle(item);
                }
            }

            // The store's part for open items (1% here): the rows their addresses' contacts hold.
            for (var i = 0; i < candidates.Count; i++)
            {
                if (!settled[i])
                {
                    ordered.Open(candidates[i], _rowsByEmail.TryGetValue(candidates[i].NormalizedEmail, out var h) ? h.SourceObjectKey : null);
                }
            }

            for (var i = 0; i < candidates.Count; i++)
            {
                var item = candidates[i];
                var at = keyed[i];
                if (settled[i])
                {
                    var row = _rows[at];
                    if (ordered.RepeatsEmail(item, settled: true, heldKey: null))
                    {
                        run.Results.Add(item.Index, item.SourceObjectKey, MemberOutcome.DuplicateContact, error: MembershipRules.RepeatedEmail(item.Email));
                        continue;
                    }

                    var verdict = MembershipRules.DecideByKey(item, row.ContactId, row);
                    run.Results.Add(item.Index, item.SourceObjectKey, verdict.Outcome, row.ContactId, verdict.Error);
                    continue;
                }

                MembershipRow? held = _rowsByEmail.TryGetValue(item.NormalizedEmail, out var h) ? h : null;
                if (ordered.RepeatsEmail(item, settled: false, held?.SourceObjectKey))
                {
                    run.Results.Add(item.Index, item.SourceObjectKey, MemberOutcome.DuplicateContact, error: MembershipRules.RepeatedEmail(item.Email));
                    continue;
                }

                var contactId = _contacts.TryGetValue(item.NormalizedEmail, out var id) ? id : (Guid?)null;
                var byKey = at < 0 ? (MembershipRow?)null : _rows[at];
                var decided = MembershipRules.DecideByKey(item, contactId, byKey);
                run.Results.Add(item.Index, item.SourceObjectKey, decided.Outcome, contactId, decided.Error);
            }
        }

        // The removal walk: the list's active rows in key order against the request's keys.
        foreach (var row in _rows)
        {
            if (row.Active && !run.SeenKey(row.SourceObjectKey) && !run.IsClaimed(row.Id))
            {
                run.Results.Add(null, row.SourceObjectKey, MemberOutcome.Removed, row.ContactId);
            }
        }

        run.Results.Finish();
        return run.Results.Counts.Added + run.Results.Counts.Updated + run.Results.Counts.Removed;
    }

    [Benchmark(Description = "Mailing, snapshot out of key order: hashing screen + MembershipRules + results")]
    public int Mailing()
    {
        var run = new MembershipRun(
            MailingScope.ForClient("bench"), Guid.Empty, new MembershipChange(null, Reconcile: true, DryRun: true, RemoveAbsent: true), DateTimeOffset.UnixEpoch, 10_000);
        foreach (var chunk in _shuffled.Chunk(500))
        {
            if (run.StaysOrdered(chunk))
            {
                throw new InvalidOperationException("The shuffled snapshot is out of key order.");
            }

            foreach (var item in run.Screen(chunk))
            {
                var contactId = _contacts.TryGetValue(item.NormalizedEmail, out var id) ? id : (Guid?)null;
                MembershipRow? row = _current.TryGetValue(item.SourceObjectKey, out var found) ? found : null;
                var verdict = MembershipRules.DecideByKey(item, contactId, row);
                run.Results.Add(item.Index, item.SourceObjectKey, verdict.Outcome, contactId, verdict.Error);
            }
        }

        foreach (var key in _current.Keys)
        {
            if (!run.SeenKey(key))
            {
                run.Results.Add(null, key, MemberOutcome.Removed);
            }
        }

        run.Results.Finish();
        return run.Results.Counts.Added + run.Results.Counts.Updated + run.Results.Counts.Removed;
    }
}
