using BenchmarkDotNet.Attributes;
using Mailing.Audiences;
using Mailing.Store.EfCore.Stores;
using Mailing.Stores;

namespace Mailing.Benchmarks;

/// <summary>
/// Judging a 1M-member snapshot against 1M current members in memory (1% changed, 1% new, 1% absent):
/// the batched path's engine (screening, <c>MembershipRules</c>, result collection, absent detection)
/// against a plain LINQ diff of the same data.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
public class InMemoryDiffBenchmarks
{
    private const int Members = 1_000_000;
    private MemberWrite[] _snapshot = null!;
    private Dictionary<string, MembershipRules.Row> _current = null!;
    private Dictionary<string, Guid> _contacts = null!;

    [GlobalSetup]
    public void Setup()
    {
        var onePercent = Members / 100;
        _contacts = new Dictionary<string, Guid>(Members + onePercent, StringComparer.Ordinal);
        _current = new Dictionary<string, MembershipRules.Row>(Members, StringComparer.Ordinal);
        for (var i = 0; i < Members + onePercent; i++)
        {
            _contacts[$"user{i}@example.com"] = Guid.CreateVersion7();
        }

        for (var i = 0; i < Members; i++)
        {
            var key = $"submission:{i:D8}";
            _current[key] = new MembershipRules.Row(Guid.CreateVersion7(), key, _contacts[$"user{i}@example.com"], $"user{i}@example.com", "{}", true, false);
        }

        // Drop the first 1%, change the next 1% (metadata), add 1% new.
        _snapshot = [.. Enumerable.Range(onePercent, Members).Select((i, index) => new MemberWrite(
            index, $"submission:{i:D8}", $"user{i}@example.com", $"user{i}@example.com", null, i < 2 * onePercent ? """{"changed":true}""" : "{}"))];
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

    [Benchmark(Description = "Mailing: screening + MembershipRules + results")]
    public int Mailing()
    {
        var run = new MembershipRun(
            MailingScope.ForClient("bench"), Guid.Empty, new MembershipChange(null, Reconcile: true, DryRun: true, RemoveAbsent: true), DateTimeOffset.UnixEpoch, 10_000);
        foreach (var chunk in _snapshot.Chunk(500))
        {
            foreach (var item in run.Screen(chunk))
            {
                var contactId = _contacts.TryGetValue(item.NormalizedEmail!, out var id) ? id : (Guid?)null;
                MembershipRules.Row? row = _current.TryGetValue(item.SourceObjectKey!, out var found) ? found : null;
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

/// <summary>Splitting 1M ids into pages of 1,000: Mailing's view-based <c>Split</c> against copying chunks.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 10)]
public class PageSplitBenchmarks
{
    private Guid[] _ids = null!;

    [GlobalSetup]
    public void Setup() => _ids = [.. Enumerable.Range(0, 1_000_000).Select(_ => Guid.CreateVersion7())];

    [Benchmark(Baseline = true, Description = "naive: Chunk(1000).ToArray() (copies every id)")]
    public int Copying() => _ids.Chunk(1000).ToArray().Length;

    [Benchmark(Description = "Mailing: AudiencePaging.Split (views)")]
    public int Views() => AudiencePaging.Split(_ids, 1000).Length;
}
