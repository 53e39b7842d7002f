using Mailing.RecipientLists.StoreKit;
using Mailing.Stores;
using Microsoft.Extensions.Options;

namespace Mailing.Tests.Core;

/// <summary>The store kit's screen, deferred judging and list update, which every store path shares.</summary>
public sealed class MembershipKitTests
{
    private static readonly MembershipKit Kit = new(Options.Create(new MailingOptions { ItemDetailLimit = 100 }));

    [Fact]
    public void The_screen_reports_invalid_items_then_repeated_keys_then_repeated_addresses_first_occurrence_winning()
    {
        var run = Start(listId: null);

        var candidates = run.Screen(
        [
            Item(0, "a") with { Error = "bad" },
            Item(1, "a", "x@example.com"),
            Item(2, "b", "x@example.com"),
            Item(3, "c", "x@example.com"),
            Item(4, "b", "y@example.com"),
            Item(5, "d", "y@example.com"),
        ]);

        Assert.Equal(["b", "d"], candidates.Select(c => c.SourceObjectKey));
        Assert.Equal(
            [MemberOutcome.Invalid, MemberOutcome.DuplicateSourceKey, MemberOutcome.DuplicateContact, MemberOutcome.DuplicateSourceKey],
            run.Results.Items.Select(i => i.Outcome));
        Assert.Equal(6, run.Results.Counts.Received);
        Assert.True(run.SeenKey("a"));
    }

    [Fact]
    public void A_memory_that_cannot_tell_passes_every_valid_item_on_with_its_doubt()
    {
        var results = Start(listId: null).Results;
        var memory = new DoubtingMemory();

        var invalid = MemberScreen.Screen(Item(0, "a") with { Error = "bad" }, memory, results);
        var valid = MemberScreen.Screen(Item(1, "a"), memory, results);

        Assert.Equal(new Screening(null, Seen.Maybe, Seen.No), invalid);
        Assert.Equal(Seen.Maybe, valid.Email);
        Assert.NotNull(valid.Candidate);
        Assert.Equal(MemberOutcome.Invalid, Assert.Single(results.Items).Outcome);
    }

    [Fact]
    public void A_valid_member_needs_its_key_and_address()
    {
        Assert.Null(ValidMember.From(Item(0, null) with { Error = "bad" }));
        Assert.Throws<ArgumentException>(() => ValidMember.From(Item(0, null)));
    }

    [Fact]
    public void A_deferred_item_taking_a_contact_another_item_freed_is_written_in_a_later_wave()
    {
        var run = Start(Guid.NewGuid(), removeAbsent: true);
        var (ann, bob) = (Guid.NewGuid(), Guid.NewGuid());
        var annsRow = new MembershipRow(Guid.NewGuid(), "old-a", ann, "ann@example.com", "{}", Active: true, Claimed: false);
        var bobsRow = new MembershipRow(Guid.NewGuid(), "old-b", bob, "bob@example.com", "{}", Active: true, Claimed: false);

        // Bob's row is re-keyed (its key is absent from the snapshot); Ann's row was changed by an item judged by key, so she is free.
        var first = run.JudgeDeferred(new DeferredItem(Valid(0, "new-b", "bob@example.com"), bob, null, bobsRow), heldKeyInRequest: false);
        run.Claim(annsRow.Id);
        var second = run.JudgeDeferred(new DeferredItem(Valid(1, "new-a", "ann@example.com"), ann, null, annsRow), heldKeyInRequest: false);

        Assert.Equal((new MembershipVerdict(MemberOutcome.Updated, bobsRow.Id), 1), first);
        Assert.Equal((new MembershipVerdict(MemberOutcome.Added), 1), second);
        Assert.True(run.IsClaimed(bobsRow.Id));
        var third = run.JudgeDeferred(new DeferredItem(Valid(2, "newer-b", "carl@example.com"), Guid.NewGuid(), null, bobsRow with { ContactId = Guid.NewGuid() }), heldKeyInRequest: false);
        Assert.Equal(2, third.Wave);
    }

    [Fact]
    public void The_list_update_moves_the_counters_by_the_outcomes_and_reports_a_reconcile()
    {
        var run = Start(Guid.NewGuid(), reconcile: true);
        run.Results.Add(0, "a", MemberOutcome.Added);
        run.Results.Add(1, "b", MemberOutcome.Reactivated);
        run.Results.Add(null, "c", MemberOutcome.Removed);
        run.Results.Add(null, "d", MemberOutcome.Removed);
        run.Results.Add(2, "e", MemberOutcome.DuplicateContact, error: "taken");

        var update = run.ListUpdate;

        Assert.Equal(1, update.MemberCountDelta);
        Assert.Equal(0, update.ActiveMemberCountDelta);
        Assert.True(update.ChangesCounters);
        Assert.Equal(ReconcileStatus.CompletedWithErrors, update.Reconcile?.Status);
        Assert.Null(Start(Guid.NewGuid()).ListUpdate.Reconcile);
    }

    private static MembershipRun Start(Guid? listId, bool reconcile = false, bool removeAbsent = false) =>
        Kit.StartRun(MailingScope.ForClient("c"), listId, new MembershipChange(null, reconcile, DryRun: false, removeAbsent), DateTimeOffset.UnixEpoch);

    private static MemberWrite Item(int index, string? key, string email = "a@example.com") =>
        new(index, key, email, email, null, "{}");

    private static ValidMember Valid(int index, string key, string email) =>
        ValidMember.From(Item(index, key, email)) ?? throw new InvalidOperationException("A test item is valid.");

    /// <summary>Remembers nothing for sure, like a fingerprint memory after a collision.</summary>
    private sealed class DoubtingMemory : IRequestMemory
    {
        public Seen RememberKey(string sourceObjectKey) => Seen.Maybe;

        public Seen RememberEmail(string normalizedEmail) => Seen.Maybe;
    }
}
