using Mailing.RecipientLists.StoreKit;
using Mailing.Stores;

namespace Mailing.Tests.Core;

/// <summary>The store kit's memory of a request that arrives in source-key order, and the run that hands it over to hashing.</summary>
public sealed class OrderedRequestTests
{
    [Fact]
    public void A_chunk_continues_the_order_when_its_keys_do_not_fall_below_the_last_key_seen()
    {
        var request = new OrderedRequest();
        MemberScreen.Screen([Item(0, "b")], request, new MemberResultCollector(100));

        Assert.True(request.Continues([Item(1, "b"), Item(2, null), Item(3, "c")]));
        Assert.False(request.Continues([Item(1, "c"), Item(2, "a")]));
        Assert.False(request.Continues([Item(1, "a")]));
    }

    [Fact]
    public void Key_order_is_ordinal()
    {
        var request = new OrderedRequest();
        MemberScreen.Screen([Item(0, "a")], request, new MemberResultCollector(100));

        Assert.False(request.Continues([Item(1, "B")]));
        Assert.True(request.Continues([Item(1, "b")]));
    }

    [Fact]
    public void A_repeated_key_is_reported_and_an_invalid_first_occurrence_counts()
    {
        var request = new OrderedRequest();
        var results = new MemberResultCollector(100);

        var candidates = MemberScreen.Screen([Item(0, "a") with { Error = "bad" }, Item(1, "a"), Item(2, "b"), Item(3, "b")], request, results);

        Assert.Equal(["b"], candidates.Select(c => c.SourceObjectKey));
        Assert.Equal(1, results.Counts.Invalid);
        Assert.Equal(2, results.Counts.DuplicateSourceKey);
        Assert.True(request.SeenKey("a"));
    }

    [Fact]
    public void Seen_keys_are_answered_the_same_in_any_question_order()
    {
        var random = new Random(11);
        var named = Enumerable.Range(0, 3_000).Select(i => $"k{i * 3:D6}").ToList();
        var request = new OrderedRequest();
        foreach (var chunk in named.Select((key, index) => Item(index, key)).Chunk(500))
        {
            MemberScreen.Screen(chunk, request, new MemberResultCollector(10_000));
        }

        var questions = Enumerable.Range(0, 9_500).Select(i => $"k{i:D6}").ToList();
        var ascending = questions.ToList();
        var descending = questions.AsEnumerable().Reverse().ToList();
        var shuffled = questions.ToArray();
        random.Shuffle(shuffled);
        var sparse = questions.Where((_, i) => i % 97 == 0).ToList();
        var set = named.ToHashSet(StringComparer.Ordinal);

        foreach (var order in new IReadOnlyList<string>[] { ascending, descending, shuffled, sparse, ascending })
        {
            Assert.All(order, key => Assert.Equal(set.Contains(key), request.SeenKey(key)));
        }
    }

    [Fact]
    public void An_item_is_settled_only_when_its_row_belongs_to_the_contact_with_its_address_and_it_brings_no_other_name()
    {
        var row = new MembershipRow(Guid.NewGuid(), "k", Guid.NewGuid(), "a@example.com", "{}", true, false);
        var item = Valid(0, "k");

        Assert.True(OrderedRequest.Settles(item, row, "a@example.com", "Ann"));
        Assert.True(OrderedRequest.Settles(item with { Name = "Ann" }, row, "a@example.com", "Ann"));
        Assert.False(OrderedRequest.Settles(item with { Name = "Bob" }, row, "a@example.com", "Ann"));
        Assert.False(OrderedRequest.Settles(item, row, "renamed@example.com", "Ann"));
        Assert.False(OrderedRequest.Settles(item, null, null, null));
    }

    [Fact]
    public void An_open_items_address_repeats_when_an_earlier_open_item_has_it()
    {
        var request = new OrderedRequest();
        var first = Valid(0, "a");
        var second = Valid(1, "b");
        request.Open(first, heldKey: null);
        request.Open(second, heldKey: null);

        Assert.False(request.RepeatsEmail(first, settled: false, heldKey: null));
        Assert.True(request.RepeatsEmail(second, settled: false, heldKey: null));
    }

    [Fact]
    public void An_open_items_address_repeats_when_an_earlier_item_settled_on_the_row_its_contact_holds()
    {
        var request = new OrderedRequest();
        request.Settle(Valid(0, "a", "x@example.com"));
        var open = Valid(1, "b", "x@example.com");
        request.Open(open, heldKey: "a");

        Assert.True(request.RepeatsEmail(open, settled: false, heldKey: "a"));
        Assert.False(request.RepeatsEmail(open, settled: false, heldKey: "c"));
    }

    [Fact]
    public void A_settled_items_address_repeats_when_an_earlier_open_item_has_the_contact_of_its_row()
    {
        var request = new OrderedRequest();
        request.Open(Valid(0, "a", "x@example.com"), heldKey: "c");
        request.Open(Valid(1, "b", "y@example.com"), heldKey: "d");
        request.Open(Valid(2, "e", "z@example.com"), heldKey: "a");
        var settledC = Valid(3, "c", "x@example.com");
        var settledCc = Valid(4, "cc", "w@example.com");
        var settledF = Valid(5, "f", "v@example.com");
        foreach (var settled in new[] { settledC, settledCc, settledF })
        {
            request.Settle(settled);
        }

        Assert.True(request.RepeatsEmail(settledC, settled: true, heldKey: null));
        Assert.False(request.RepeatsEmail(settledCc, settled: true, heldKey: null));
        Assert.False(request.RepeatsEmail(settledF, settled: true, heldKey: null));
    }

    [Fact]
    public void A_run_into_an_existing_list_stays_ordered_until_a_chunk_leaves_key_order_and_then_hashes_what_it_saw()
    {
        var run = Kit.StartRun(MailingScope.ForClient("c"), Guid.NewGuid(), new MembershipChange(null, Reconcile: true, DryRun: true, RemoveAbsent: true), DateTimeOffset.UnixEpoch);
        MemberWrite[] first = [Item(0, "a", "x@example.com"), Item(1, "b", "y@example.com")];

        Assert.True(run.StaysOrdered(first));
        run.Screen(first);
        Assert.False(run.StaysOrdered([Item(2, "c"), Item(3, "a")]));

        Assert.Null(run.Ordered);
        Assert.True(run.SeenKey("b"));
        var rest = run.Screen([Item(2, "a", "z@example.com"), Item(3, "c", "y@example.com"), Item(4, "d", "w@example.com")]);
        Assert.Equal(["d"], rest.Select(r => r.SourceObjectKey));
        Assert.Equal(1, run.Results.Counts.DuplicateSourceKey);
        Assert.Equal(1, run.Results.Counts.DuplicateContact);
    }

    [Fact]
    public void A_run_into_a_new_list_hashes_from_the_start()
    {
        var run = Kit.StartRun(MailingScope.ForClient("c"), null, new MembershipChange(null, Reconcile: false, DryRun: false, RemoveAbsent: false), DateTimeOffset.UnixEpoch);

        Assert.False(run.StaysOrdered([Item(0, "a")]));
    }

    private static readonly MembershipKit Kit = new(Microsoft.Extensions.Options.Options.Create(new MailingOptions { ItemDetailLimit = 100 }));

    private static MemberWrite Item(int index, string? key, string email = "a@example.com") =>
        new(index, key, email, email, null, "{}");

    private static ValidMember Valid(int index, string key, string email = "a@example.com") =>
        ValidMember.From(Item(index, key, email)) ?? throw new InvalidOperationException("A test item is valid.");
}
