using Mailing.RecipientLists;

namespace Mailing.Conformance;

// Recipient lists and their members: upserts, bulk upserts, reconciles and listings.
public abstract partial class RecipientStoreConformanceTests
{
    // ---- lists ------------------------------------------------------------------------------

    [Fact]
    public async Task Upserting_a_new_list_creates_it_with_zero_counts()
    {
        var result = await Lists(s => s.UpsertListAsync(Scope, "course-registrants:ml-2026", Definition("course_registrants", "ML 2026"), Ct));

        Assert.Equal(ListUpsertOutcome.Created, result.Outcome);
        Assert.Equal("course_registrants", result.List.Type);
        Assert.Equal("ML 2026", result.List.Name);
        Assert.Equal((0, 0, 0), (result.List.MemberCount, result.List.ActiveMemberCount, result.List.RemovedMemberCount));
        Assert.Null(result.List.LastReconcile);
    }

    [Fact]
    public async Task Upserting_the_same_list_again_changes_nothing()
    {
        var first = await Lists(s => s.UpsertListAsync(Scope, "l1", Definition("t", "Name", """{"a":1}"""), Ct));
        Time.Advance(TimeSpan.FromMinutes(5));

        var second = await Lists(s => s.UpsertListAsync(Scope, "l1", Definition("t", "Name", """{"a":1}"""), Ct));

        Assert.Equal(ListUpsertOutcome.Unchanged, second.Outcome);
        Assert.Equal(first.List.UpdatedAt, second.List.UpdatedAt);
    }

    [Fact]
    public async Task Upserting_a_list_with_new_fields_updates_it()
    {
        await Lists(s => s.UpsertListAsync(Scope, "l1", Definition("t", "Old"), Ct));
        Time.Advance(TimeSpan.FromMinutes(5));

        var result = await Lists(s => s.UpsertListAsync(Scope, "l1", Definition("t", "New", """{"cohort":2026}"""), Ct));

        Assert.Equal(ListUpsertOutcome.Updated, result.Outcome);
        Assert.Equal("New", result.List.Name);
        Assert.Equal(2026, result.List.Metadata.GetProperty("cohort").GetInt32());
        Assert.Equal(Time.GetUtcNow(), result.List.UpdatedAt);
    }

    [Fact]
    public async Task Two_clients_use_the_same_list_key_source_key_and_email_without_seeing_each_other()
    {
        await Lists(s => s.UpsertMemberAsync(Scope, "shared", Member("k1", "ann@example.com"), Definition("mine"), Ct));
        await Lists(s => s.UpsertMemberAsync(OtherClient, "shared", Member("k1", "ann@example.com"), Definition("theirs"), Ct));
        await Lists(s => s.UpsertMemberAsync(OtherClient, "shared", Member("k2", "bob@example.com"), cancellationToken: Ct));

        var mine = await Lists(s => s.FindListAsync(Scope, "shared", Ct));
        var theirs = await Lists(s => s.FindListAsync(OtherClient, "shared", Ct));
        var myMembers = await Lists(s => s.ListMembersAsync(Scope, "shared", cancellationToken: Ct));

        Assert.Equal(("mine", 1L), (mine!.Type, mine.ActiveMemberCount));
        Assert.Equal(("theirs", 2L), (theirs!.Type, theirs.ActiveMemberCount));
        Assert.NotEqual(mine.Id, theirs.Id);
        Assert.Equal(["k1"], myMembers.Items.Select(m => m.SourceObjectKey));
    }

    [Fact]
    public async Task The_same_list_key_in_two_audiences_names_two_lists()
    {
        await Lists(s => s.UpsertListAsync(Scope, "k", Definition("a"), Ct));
        await Lists(s => s.UpsertListAsync(OtherAudience, "k", Definition("b"), Ct));

        Assert.Equal("a", (await Lists(s => s.FindListAsync(Scope, "k", Ct)))!.Type);
        Assert.Equal("b", (await Lists(s => s.FindListAsync(OtherAudience, "k", Ct)))!.Type);
    }

    [Fact]
    public async Task Lists_are_paged_by_key_within_the_client()
    {
        foreach (var key in new[] { "c", "a", "e", "b", "d" })
        {
            await Lists(s => s.UpsertListAsync(Scope, key, Definition("t"), Ct));
        }

        await Lists(s => s.UpsertListAsync(OtherClient, "aa", Definition("t"), Ct));

        var first = await Lists(s => s.ListListsAsync(Scope, null, 2, Ct));
        var second = await Lists(s => s.ListListsAsync(Scope, first.NextCursor, 2, Ct));
        var third = await Lists(s => s.ListListsAsync(Scope, second.NextCursor, 2, Ct));

        Assert.Equal(["a", "b"], first.Items.Select(l => l.Key));
        Assert.Equal(["c", "d"], second.Items.Select(l => l.Key));
        Assert.Equal(["e"], third.Items.Select(l => l.Key));
        Assert.Null(third.NextCursor);
    }

    // ---- single member upsert ---------------------------------------------------------------

    [Fact]
    public async Task Member_upsert_creates_the_list_from_the_request_when_missing()
    {
        var result = await Lists(s => s.UpsertMemberAsync(
            Scope, "homework-submitters:ml:hw1", Member("homework-submission:123", "ann@example.com"), Definition("homework_submitters", "HW1"), Ct));

        Assert.Equal(MemberOutcome.Added, result.Outcome);
        Assert.Equal(("homework_submitters", "HW1", 1L, 1L), (result.List.Type, result.List.Name, result.List.MemberCount, result.List.ActiveMemberCount));
        Assert.Equal(("homework-submission:123", "ann@example.com", true), (result.Member.SourceObjectKey, result.Member.EmailSnapshot, result.Member.Active));
    }

    [Fact]
    public async Task Member_upsert_without_a_list_definition_creates_a_default_list()
    {
        var result = await Lists(s => s.UpsertMemberAsync(Scope, "adhoc", Member("k", "ann@example.com"), cancellationToken: Ct));

        Assert.Equal((Mailing.Stores.MembershipChange.DefaultListType, "adhoc"), (result.List.Type, result.List.Name));
    }

    [Fact]
    public async Task Repeating_a_member_upsert_is_unchanged_and_touches_no_timestamp()
    {
        var first = await Lists(s => s.UpsertMemberAsync(Scope, "l", Member("k", "ann@example.com", """{"score":5}"""), Definition("t"), Ct));
        Time.Advance(TimeSpan.FromHours(1));

        var second = await Lists(s => s.UpsertMemberAsync(Scope, "l", Member("k", "ann@example.com", """{"score":5}"""), Definition("t"), Ct));

        Assert.Equal(MemberOutcome.Unchanged, second.Outcome);
        Assert.Equal(first.Member, second.Member with { Metadata = first.Member.Metadata });
        Assert.Equal(first.List.UpdatedAt, second.List.UpdatedAt);
        Assert.Equal(1, second.List.MemberCount);
    }

    [Fact]
    public async Task Member_upsert_with_a_new_email_updates_the_membership()
    {
        var first = await Lists(s => s.UpsertMemberAsync(Scope, "l", Member("k", "ann@example.com"), cancellationToken: Ct));
        Time.Advance(TimeSpan.FromMinutes(1));

        var second = await Lists(s => s.UpsertMemberAsync(Scope, "l", Member("k", "ann@new.example.com"), cancellationToken: Ct));

        Assert.Equal(MemberOutcome.Updated, second.Outcome);
        Assert.Equal("ann@new.example.com", second.Member.EmailSnapshot);
        Assert.NotEqual(first.Member.ContactId, second.Member.ContactId);
        Assert.Equal(Time.GetUtcNow(), second.Member.UpdatedAt);
        Assert.Equal((1L, 1L), (second.List.MemberCount, second.List.ActiveMemberCount));
    }

    [Fact]
    public async Task Emails_differing_only_in_case_and_spaces_resolve_to_one_contact()
    {
        var a = await Lists(s => s.UpsertMemberAsync(Scope, "list-a", Member("k", "Alice@Example.com"), cancellationToken: Ct));
        var b = await Lists(s => s.UpsertMemberAsync(Scope, "list-b", Member("k", "  alice@example.COM "), cancellationToken: Ct));

        Assert.Equal(a.Member.ContactId, b.Member.ContactId);
        Assert.Equal("alice@example.COM", b.Member.EmailSnapshot);
    }

    [Fact]
    public async Task Member_upsert_of_a_contact_active_under_another_source_key_conflicts_and_writes_nothing()
    {
        await Lists(s => s.UpsertMemberAsync(Scope, "l", Member("k1", "ann@example.com"), Definition("t"), Ct));
        var before = await DumpAsync();

        var error = await Assert.ThrowsAsync<MailingConflictException>(() =>
            Lists(s => s.UpsertMemberAsync(Scope, "l", Member("k2", "ANN@example.com"), Definition("changed-type"), Ct)));

        Assert.Contains("k1", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await DumpAsync());
    }

    [Fact]
    public async Task Member_upsert_of_a_removed_member_reactivates_it()
    {
        await Lists(s => s.UpsertMemberAsync(Scope, "l", Member("k1", "ann@example.com"), cancellationToken: Ct));
        await Reconcile("l", [], removeAbsent: true);

        var result = await Lists(s => s.UpsertMemberAsync(Scope, "l", Member("k1", "ann@example.com"), cancellationToken: Ct));

        Assert.Equal(MemberOutcome.Reactivated, result.Outcome);
        Assert.True(result.Member.Active);
        Assert.Null(result.Member.RemovedAt);
        Assert.Equal((1L, 1L, 0L), (result.List.MemberCount, result.List.ActiveMemberCount, result.List.RemovedMemberCount));
    }

    [Fact]
    public async Task A_removed_contact_upserted_under_a_new_source_key_is_reactivated_under_that_key()
    {
        await Lists(s => s.UpsertMemberAsync(Scope, "l", Member("old", "ann@example.com"), cancellationToken: Ct));
        await Reconcile("l", [], removeAbsent: true);

        var result = await Lists(s => s.UpsertMemberAsync(Scope, "l", Member("new", "ann@example.com"), cancellationToken: Ct));

        Assert.Equal(MemberOutcome.Reactivated, result.Outcome);
        Assert.Equal("new", result.Member.SourceObjectKey);
        var members = await Lists(s => s.ListMembersAsync(Scope, "l", cancellationToken: Ct));
        Assert.Equal(["new"], members.Items.Select(m => m.SourceObjectKey));
    }

    // ---- bulk upsert ------------------------------------------------------------------------

    [Fact]
    public async Task Bulk_upsert_reports_an_outcome_for_every_item_in_request_order()
    {
        await Bulk("l", [Member("keep", "keep@example.com"), Member("change", "change@example.com")]);

        var result = await Bulk("l", [
            Member("new", "new@example.com"),
            Member("keep", "keep@example.com"),
            Member("change", "changed@example.com"),
        ]);

        Assert.Equal(
            [(0, "new", MemberOutcome.Added), (1, "keep", MemberOutcome.Unchanged), (2, "change", MemberOutcome.Updated)],
            result.Items.Select(i => (i.Index!.Value, i.SourceObjectKey!, i.Outcome)));
        Assert.Equal((3, 1, 1, 1), (result.Counts.Received, result.Counts.Added, result.Counts.Unchanged, result.Counts.Updated));
        Assert.Equal(3, result.List!.ActiveMemberCount);
    }

    [Fact]
    public async Task Bulk_upsert_reports_a_repeated_source_key_and_keeps_the_first()
    {
        var result = await Bulk("l", [Member("k", "first@example.com"), Member("k", "second@example.com")]);

        Assert.Equal([MemberOutcome.Added, MemberOutcome.DuplicateSourceKey], result.Items.Select(i => i.Outcome));
        var member = Assert.Single((await Lists(s => s.ListMembersAsync(Scope, "l", cancellationToken: Ct))).Items);
        Assert.Equal("first@example.com", member.EmailSnapshot);
    }

    [Fact]
    public async Task Bulk_upsert_reports_a_repeated_contact_under_another_source_key()
    {
        var result = await Bulk("l", [Member("k1", "ann@example.com"), Member("k2", "ANN@example.com ")]);

        Assert.Equal([MemberOutcome.Added, MemberOutcome.DuplicateContact], result.Items.Select(i => i.Outcome));
        Assert.Equal(1, result.List!.MemberCount);
    }

    [Fact]
    public async Task Bulk_upsert_reports_a_contact_already_active_under_another_source_key()
    {
        await Bulk("l", [Member("k1", "ann@example.com")]);

        var result = await Bulk("l", [Member("k2", "ann@example.com"), Member("k3", "bob@example.com")]);

        Assert.Equal([MemberOutcome.DuplicateContact, MemberOutcome.Added], result.Items.Select(i => i.Outcome));
        Assert.Contains("k1", result.Items[0].Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bulk_upsert_reports_invalid_items_and_applies_the_rest()
    {
        var result = await Bulk("l", [
            Member("ok", "ok@example.com"),
            Member("bad-email", "not-an-address"),
            Member(null, "nokey@example.com"),
            Member("bad-metadata", "meta@example.com", "[1,2]"),
        ]);

        Assert.Equal(
            [MemberOutcome.Added, MemberOutcome.Invalid, MemberOutcome.Invalid, MemberOutcome.Invalid],
            result.Items.Select(i => i.Outcome));
        Assert.All(result.Items.Skip(1), i => Assert.False(string.IsNullOrEmpty(i.Error)));
        Assert.Equal(1, result.List!.MemberCount);
    }

    [Fact]
    public async Task Bulk_upsert_across_many_chunks_counts_every_member()
    {
        var members = Enumerable.Range(0, 1234).Select(i => Member($"src:{i:D5}", $"user{i}@example.com")).ToList();

        var result = await Bulk("big", members);
        var again = await Bulk("big", members);

        Assert.Equal(1234, result.Counts.Added);
        Assert.Equal(1234, again.Counts.Unchanged);
        Assert.True(again.ItemsSummarized);
        Assert.Empty(again.Items);
        Assert.Equal((1234L, 1234L), (again.List!.MemberCount, again.List.ActiveMemberCount));
    }

    [Fact]
    public async Task A_contact_freed_by_another_item_of_the_same_request_can_join_under_a_new_source_key()
    {
        await Bulk("l", [Member("k1", "ann@example.com")]);

        var result = await Bulk("l", [Member("k3", "ann@example.com"), Member("k1", "bob@example.com")]);

        Assert.Equal([MemberOutcome.Added, MemberOutcome.Updated], result.Items.Select(i => i.Outcome));
        var members = await Lists(s => s.ListMembersAsync(Scope, "l", cancellationToken: Ct));
        Assert.Equal([("k1", "bob@example.com"), ("k3", "ann@example.com")], members.Items.Select(m => (m.SourceObjectKey, m.EmailSnapshot)));
    }

    [Fact]
    public async Task A_snapshot_that_moves_a_contact_to_a_new_source_key_re_keys_the_membership()
    {
        var before = await Bulk("l", [Member("homework-submission:1", "ann@example.com"), Member("homework-submission:2", "bob@example.com")]);

        var result = await Reconcile("l", [Member("homework-submission:3", "ann@example.com"), Member("homework-submission:2", "bob@example.com")], removeAbsent: true);

        Assert.Equal([MemberOutcome.Updated, MemberOutcome.Unchanged], result.Items.Select(i => i.Outcome));
        Assert.Equal((2L, 2L, 0), (result.List!.MemberCount, result.List.ActiveMemberCount, result.Counts.Removed));
        var ann = await Lists(s => s.ListMembersAsync(Scope, "l", cancellationToken: Ct));
        Assert.Equal(["homework-submission:2", "homework-submission:3"], ann.Items.Select(m => m.SourceObjectKey));
        Assert.Equal(before.Items[0].ContactId, result.Items[0].ContactId);
    }

    [Fact]
    public async Task A_name_on_a_member_item_renames_its_contact_without_changing_the_membership()
    {
        var first = await Bulk("l", [new MemberInput("k1", "ann@example.com", "Ann")]);

        var renamed = await Reconcile("l", [new MemberInput("k1", "ann@example.com", "Ann Smith")], removeAbsent: true);

        Assert.Equal(MemberOutcome.Unchanged, Assert.Single(renamed.Items).Outcome);
        var contact = await Contacts(s => s.FindAsync(Scope, first.Items[0].ContactId!.Value, Ct));
        Assert.Equal("Ann Smith", contact!.Name);
    }

    [Fact]
    public async Task A_member_item_without_a_name_leaves_its_contacts_name()
    {
        var first = await Bulk("l", [new MemberInput("k1", "ann@example.com", "Ann")]);

        await Reconcile("l", [Member("k1", "ann@example.com")], removeAbsent: true);

        var contact = await Contacts(s => s.FindAsync(Scope, first.Items[0].ContactId!.Value, Ct));
        Assert.Equal("Ann", contact!.Name);
    }

    [Fact]
    public async Task A_dry_run_of_a_re_keying_snapshot_does_not_report_the_re_keyed_membership_as_removed()
    {
        await Bulk("l", [Member("homework-submission:1", "ann@example.com"), Member("homework-submission:2", "bob@example.com")]);
        IReadOnlyList<MemberInput> snapshot = [Member("homework-submission:3", "ann@example.com"), Member("homework-submission:2", "bob@example.com")];

        var preview = await Reconcile("l", snapshot, removeAbsent: true, dryRun: true);
        var applied = await Reconcile("l", snapshot, removeAbsent: true);

        Assert.Equal((0, 1), (preview.Counts.Removed, preview.Counts.Updated));
        Assert.Equal(applied.Items.Select(i => (i.SourceObjectKey, i.Outcome)), preview.Items.Select(i => (i.SourceObjectKey, i.Outcome)));
    }

    [Fact]
    public async Task Without_remove_absent_a_contact_active_under_another_key_stays_a_duplicate()
    {
        await Bulk("l", [Member("k1", "ann@example.com")]);

        var result = await Reconcile("l", [Member("k2", "ann@example.com")], removeAbsent: false);

        Assert.Equal(MemberOutcome.DuplicateContact, Assert.Single(result.Items).Outcome);
    }

    [Fact]
    public async Task A_removed_membership_is_shared_out_the_same_way_whatever_the_item_order()
    {
        await Bulk("l", [Member("old", "ann@example.com"), Member("keep", "keep@example.com")]);
        await Reconcile("l", [Member("keep", "keep@example.com")], removeAbsent: true);

        var rekeyFirst = await Reconcile("l", [Member("new", "ann@example.com"), Member("old", "zed@example.com")], removeAbsent: false, dryRun: true);
        var keyFirst = await Reconcile("l", [Member("old", "zed@example.com"), Member("new", "ann@example.com")], removeAbsent: false, dryRun: true);
        var applied = await Bulk("l", [Member("new", "ann@example.com"), Member("old", "zed@example.com")]);

        Assert.Equal([MemberOutcome.Added, MemberOutcome.Reactivated], rekeyFirst.Items.Select(i => i.Outcome));
        Assert.Equal([MemberOutcome.Reactivated, MemberOutcome.Added], keyFirst.Items.Select(i => i.Outcome));
        Assert.Equal(rekeyFirst.Items.Select(i => i.Outcome), applied.Items.Select(i => i.Outcome));
        var members = await Lists(s => s.ListMembersAsync(Scope, "l", active: true, cancellationToken: Ct));
        Assert.Equal([("keep", "keep@example.com"), ("new", "ann@example.com"), ("old", "zed@example.com")], members.Items.Select(m => (m.SourceObjectKey, m.EmailSnapshot)));
    }

    [Fact]
    public async Task List_fields_in_a_member_request_only_create_a_missing_list()
    {
        await Lists(s => s.UpsertListAsync(Scope, "l", Definition("course_registrants", "Course", """{"a":1}"""), Ct));

        var single = await Lists(s => s.UpsertMemberAsync(Scope, "l", Member("k1", "ann@example.com"), Definition("other"), Ct));
        var bulk = await Lists(s => s.UpsertMembersAsync(Scope, "l", new[] { Member("k2", "bob@example.com") }.ToAsyncEnumerable(), Definition("other", "Other"), Ct));

        Assert.Equal(("course_registrants", "Course", 1), (single.List.Type, single.List.Name, single.List.Metadata.GetProperty("a").GetInt32()));
        Assert.Equal(("course_registrants", "Course"), (bulk.List!.Type, bulk.List.Name));
    }

    [Fact]
    public async Task Large_requests_report_counts_for_everything_and_items_only_for_what_changed_or_failed()
    {
        var members = Enumerable.Range(0, 120).Select(i => Member($"k{i:D3}", $"u{i}@example.com")).ToList();
        await Bulk("l", members);
        members[5] = Member("k005", "changed@example.com");
        members[7] = Member("k007", "broken");

        var result = await Reconcile("l", members.Take(110).ToList(), removeAbsent: true);

        Assert.True(result.ItemsSummarized);
        Assert.Equal((110, 108, 1, 1, 10), (result.Counts.Received, result.Counts.Unchanged, result.Counts.Updated, result.Counts.Invalid, result.Counts.Removed));
        Assert.Equal(
            [(5, MemberOutcome.Updated), (7, MemberOutcome.Invalid), .. Enumerable.Repeat((-1, MemberOutcome.Removed), 10)],
            result.Items.Select(i => (i.Index ?? -1, i.Outcome)));
    }

    [Fact]
    public async Task Concurrent_bulk_upserts_sharing_new_contacts_create_each_contact_once()
    {
        var members = Enumerable.Range(0, 300).Select(i => Member($"k{i}", $"shared{i}@example.com")).ToList();

        var results = await Task.WhenAll(Bulk("one", members), Bulk("two", members), Bulk("three", members));

        Assert.All(results, r => Assert.Equal(300, r.Counts.Added));
        var one = await Lists(s => s.ListMembersAsync(Scope, "one", limit: 1000, cancellationToken: Ct));
        var three = await Lists(s => s.ListMembersAsync(Scope, "three", limit: 1000, cancellationToken: Ct));
        Assert.Equal(one.Items.Select(m => m.ContactId).Order(), three.Items.Select(m => m.ContactId).Order());
    }

    [Fact]
    public async Task Concurrent_member_upserts_into_a_missing_list_create_it_once_and_count_every_member()
    {
        var upserts = Enumerable.Range(0, 6).Select(i =>
            Lists(s => s.UpsertMemberAsync(Scope, "fresh", Member($"k{i}", $"u{i}@example.com"), Definition("t"), Ct)));

        await Task.WhenAll(upserts);

        var list = await Lists(s => s.FindListAsync(Scope, "fresh", Ct));
        Assert.Equal((6L, 6L), (list!.MemberCount, list.ActiveMemberCount));
        Assert.Single((await Lists(s => s.ListListsAsync(Scope, cancellationToken: Ct))).Items);
    }

    [Fact]
    public async Task A_bulk_upsert_that_fails_midway_leaves_no_trace()
    {
        await Bulk("l", [Member("a", "a@example.com")]);
        var before = await DumpAsync();

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            Lists(s => s.ReconcileAsync(Scope, "l", FailingAfter(1200), new ReconcileOptions(RemoveAbsent: true), cancellationToken: Ct)));

        Assert.Equal(before, await DumpAsync());

        static async IAsyncEnumerable<MemberInput> FailingAfter(int count)
        {
            for (var i = 0; i < count; i++)
            {
                yield return Member($"k{i}", $"u{i}@example.com");
            }

            await Task.Yield();
            throw new InvalidOperationException("The source system went away.");
        }
    }

    // ---- reconcile --------------------------------------------------------------------------

    [Fact]
    public async Task Reconcile_with_remove_absent_soft_removes_members_missing_from_the_snapshot()
    {
        await Bulk("l", [Member("a", "a@example.com"), Member("b", "b@example.com"), Member("c", "c@example.com")]);
        Time.Advance(TimeSpan.FromMinutes(1));

        var result = await Reconcile("l", [Member("a", "a@example.com"), Member("c", "c@example.com")], removeAbsent: true);

        Assert.Equal(
            [(0, "a", MemberOutcome.Unchanged), (1, "c", MemberOutcome.Unchanged), (-1, "b", MemberOutcome.Removed)],
            result.Items.Select(i => (i.Index ?? -1, i.SourceObjectKey!, i.Outcome)));
        Assert.Equal((3L, 2L, 1L), (result.List!.MemberCount, result.List.ActiveMemberCount, result.List.RemovedMemberCount));
        var removed = Assert.Single((await Lists(s => s.ListMembersAsync(Scope, "l", active: false, cancellationToken: Ct))).Items);
        Assert.Equal(("b", false, Time.GetUtcNow()), (removed.SourceObjectKey, removed.Active, removed.RemovedAt!.Value));
    }

    [Fact]
    public async Task Reconcile_without_remove_absent_keeps_absent_members_active()
    {
        await Bulk("l", [Member("a", "a@example.com"), Member("b", "b@example.com")]);

        var result = await Reconcile("l", [Member("a", "a@example.com")], removeAbsent: false);

        Assert.Equal(0, result.Counts.Removed);
        Assert.Equal(2, result.List!.ActiveMemberCount);
    }

    [Fact]
    public async Task Reconcile_reactivates_members_back_in_the_snapshot()
    {
        await Bulk("l", [Member("a", "a@example.com"), Member("b", "b@example.com")]);
        await Reconcile("l", [Member("a", "a@example.com")], removeAbsent: true);

        var result = await Reconcile("l", [Member("a", "a@example.com"), Member("b", "b@example.com")], removeAbsent: true);

        Assert.Equal([MemberOutcome.Unchanged, MemberOutcome.Reactivated], result.Items.Select(i => i.Outcome));
        Assert.Equal((2L, 2L), (result.List!.MemberCount, result.List.ActiveMemberCount));
    }

    [Fact]
    public async Task Reconcile_records_its_status_time_and_counts_on_the_list()
    {
        Time.Advance(TimeSpan.FromDays(1));

        var result = await Reconcile("l", [Member("a", "a@example.com"), Member("b", "bad")], removeAbsent: true);

        var report = result.List!.LastReconcile!;
        Assert.Equal((ReconcileStatus.CompletedWithErrors, Time.GetUtcNow()), (report.Status, report.At));
        Assert.Equal((2, 1, 1), (report.Counts.Received, report.Counts.Added, report.Counts.Invalid));
        var clean = await Reconcile("l", [Member("a", "a@example.com")], removeAbsent: false);
        Assert.Equal(ReconcileStatus.Succeeded, clean.List!.LastReconcile!.Status);
    }

    [Fact]
    public async Task Reconcile_does_not_remove_a_member_whose_snapshot_item_is_invalid()
    {
        await Bulk("l", [Member("a", "a@example.com"), Member("b", "b@example.com")]);

        var result = await Reconcile("l", [Member("a", "a@example.com"), Member("b", "broken-address")], removeAbsent: true);

        Assert.Equal(0, result.Counts.Removed);
        Assert.Equal(2, result.List!.ActiveMemberCount);
    }

    [Fact]
    public async Task Dry_run_writes_nothing_and_reports_what_a_real_run_then_does()
    {
        await Bulk("l", [Member("a", "a@example.com"), Member("b", "b@example.com"), Member("c", "c@example.com")]);
        await Reconcile("l", [Member("a", "a@example.com"), Member("b", "b@example.com")], removeAbsent: true);
        Time.Advance(TimeSpan.FromHours(1));
        MemberInput[] snapshot = [
            Member("a", "a@example.com"), Member("b", "b2@example.com"), Member("c", "c@example.com"),
            Member("d", "d@example.com"), Member("d", "dup@example.com"), Member("e", "D@example.com"), Member("f", "oops"),
        ];
        var before = await DumpAsync();

        var dry = await Reconcile("l", snapshot, removeAbsent: true, dryRun: true);

        Assert.Equal(before, await DumpAsync());
        Assert.True(dry.DryRun);
        var real = await Reconcile("l", snapshot, removeAbsent: true);
        Assert.Equal(real.Items.Select(i => (i.Index, i.SourceObjectKey, i.Outcome)), dry.Items.Select(i => (i.Index, i.SourceObjectKey, i.Outcome)));
        Assert.Equal(real.Counts, dry.Counts);
        Assert.Equal(
            [MemberOutcome.Unchanged, MemberOutcome.Updated, MemberOutcome.Reactivated, MemberOutcome.Added,
             MemberOutcome.DuplicateSourceKey, MemberOutcome.DuplicateContact, MemberOutcome.Invalid],
            dry.Items.Select(i => i.Outcome));
    }

    [Fact]
    public async Task Dry_run_on_a_missing_list_creates_nothing()
    {
        var before = await DumpAsync();

        var dry = await Reconcile("ghost", [Member("a", "a@example.com")], removeAbsent: true, dryRun: true);

        Assert.Null(dry.List);
        Assert.Equal(MemberOutcome.Added, Assert.Single(dry.Items).Outcome);
        Assert.Equal(before, await DumpAsync());
        Assert.Null(await Lists(s => s.FindListAsync(Scope, "ghost", Ct)));
    }

    [Fact]
    public async Task Reconcile_with_an_empty_snapshot_and_remove_absent_removes_everyone()
    {
        await Bulk("l", [Member("a", "a@example.com"), Member("b", "b@example.com")]);

        var result = await Reconcile("l", [], removeAbsent: true);

        Assert.Equal(2, result.Counts.Removed);
        Assert.Equal((2L, 0L), (result.List!.MemberCount, result.List.ActiveMemberCount));
    }

    // ---- member listing ---------------------------------------------------------------------

    [Fact]
    public async Task Members_are_paged_by_source_key_and_filtered_by_active()
    {
        await Bulk("l", Enumerable.Range(0, 7).Select(i => Member($"k{i}", $"u{i}@example.com")).ToList());
        await Reconcile("l", Enumerable.Range(0, 7).Where(i => i % 2 == 0).Select(i => Member($"k{i}", $"u{i}@example.com")).ToList(), removeAbsent: true);

        var all = await Drain(active: null);
        var active = await Drain(active: true);
        var removed = await Drain(active: false);

        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"k{i}"), all);
        Assert.Equal(["k0", "k2", "k4", "k6"], active);
        Assert.Equal(["k1", "k3", "k5"], removed);

        async Task<List<string>> Drain(bool? active)
        {
            var keys = new List<string>();
            string? cursor = null;
            do
            {
                var page = await Lists(s => s.ListMembersAsync(Scope, "l", active, cursor, 2, Ct));
                keys.AddRange(page.Items.Select(m => m.SourceObjectKey));
                cursor = page.NextCursor;
            }
            while (cursor is not null);
            return keys;
        }
    }

    [Fact]
    public async Task Listing_members_of_a_missing_list_is_not_found()
    {
        await Assert.ThrowsAsync<MailingNotFoundException>(() => Lists(s => s.ListMembersAsync(Scope, "nope", cancellationToken: Ct)));
    }
}
