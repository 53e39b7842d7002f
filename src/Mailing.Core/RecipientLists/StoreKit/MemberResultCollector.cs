namespace Mailing.RecipientLists.StoreKit;

/// <summary>
/// Collects per-item results and counts. When a request reports more than the detail limit
/// (items received plus members removed), the results keep only the items worth reading —
/// every outcome except <see cref="MemberOutcome.Added"/> and <see cref="MemberOutcome.Unchanged"/> —
/// while the counts still cover everything. A result that is not kept is never allocated. The detail
/// limit is <see cref="MailingOptions.ItemDetailLimit"/>: each <see cref="MembershipRun"/> has a collector.
/// </summary>
public sealed class MemberResultCollector
{
    private readonly int _detailLimit;
    private readonly List<MemberResult> _items = [];
    private readonly int[] _counts = new int[Enum.GetValues<MemberOutcome>().Length];
    private int _received;
    private int _reported;

    internal MemberResultCollector(int detailLimit) => _detailLimit = detailLimit;

    /// <summary>The counts so far.</summary>
    public MemberOutcomeCounts Counts => new()
    {
        Received = _received,
        Added = _counts[(int)MemberOutcome.Added],
        Updated = _counts[(int)MemberOutcome.Updated],
        Reactivated = _counts[(int)MemberOutcome.Reactivated],
        Unchanged = _counts[(int)MemberOutcome.Unchanged],
        Removed = _counts[(int)MemberOutcome.Removed],
        DuplicateContact = _counts[(int)MemberOutcome.DuplicateContact],
        DuplicateSourceKey = _counts[(int)MemberOutcome.DuplicateSourceKey],
        Invalid = _counts[(int)MemberOutcome.Invalid],
    };

    /// <summary>Whether only the results worth reading are kept.</summary>
    public bool Summarized { get; private set; }

    /// <summary>The results kept.</summary>
    public IReadOnlyList<MemberResult> Items => _items;

    /// <summary>Whether a result of <paramref name="outcome"/> is worth reading, and so kept when the results are summarized.</summary>
    public static bool IsDetail(MemberOutcome outcome) => outcome is not (MemberOutcome.Added or MemberOutcome.Unchanged);

    /// <summary>Whether a request reporting <paramref name="total"/> results is summarized.</summary>
    public bool WouldSummarize(long total) => total > _detailLimit;

    /// <summary>Counts items received.</summary>
    public void Receive(int count) => _received += count;

    /// <summary>Counts a result and keeps it unless the results are summarized and it is not worth reading.</summary>
    public void Add(int? index, string? sourceObjectKey, MemberOutcome outcome, Guid? contactId = null, string? error = null)
    {
        Tally(outcome, 1);
        if (!Summarized && _reported > _detailLimit)
        {
            Summarize();
        }

        if (!Summarized || IsDetail(outcome))
        {
            _items.Add(new MemberResult(index, sourceObjectKey, outcome, contactId, error));
        }
    }

    /// <summary>Counts <paramref name="count"/> results of one outcome without keeping them (set-based paths).</summary>
    public void Tally(MemberOutcome outcome, int count)
    {
        _counts[(int)outcome] += count;
        _reported += count;
    }

    /// <summary>Keeps a result already counted with <see cref="Tally"/>.</summary>
    public void Keep(MemberResult result) => _items.Add(result);

    /// <summary>From now on keep only results worth reading, and drop the others kept so far.</summary>
    public void Summarize()
    {
        Summarized = true;
        _items.RemoveAll(r => !IsDetail(r.Outcome));
    }

    /// <summary>Puts the kept results in request order, removed members (no index) last in the order they were reported.</summary>
    public void Finish()
    {
        var ordered = _items.OrderBy(r => r.Index ?? int.MaxValue).ToList();
        _items.Clear();
        _items.AddRange(ordered);
    }
}
