using Mailing.Contacts;

namespace Mailing.Conformance;

// Audience selections: counts and keyset pages of distinct recipients.
public abstract partial class RecipientStoreConformanceTests
{
    // ---- audience selections ----------------------------------------------------------------

    [Fact]
    public async Task A_selection_reaches_the_union_of_its_lists_counting_each_contact_once()
    {
        await Bulk("a", [Member("1", "ann@example.com"), Member("2", "bob@example.com")]);
        await Bulk("b", [Member("1", "bob@example.com"), Member("2", "cat@example.com")]);
        await Bulk("c", [Member("1", "dan@example.com")]);

        var selection = new AudienceSelection { Lists = ["a", "b"] };

        Assert.Equal(3, await Count(selection));
        Assert.Equal(["ann@example.com", "bob@example.com", "cat@example.com"], (await Drain(selection)).Select(r => r.Address).Order());
    }

    [Fact]
    public async Task Tag_and_phone_prefix_filters_narrow_the_lists()
    {
        var ann = await Contacts(s => s.CreateAsync(Scope, new ContactInput("ann@example.com", "+79161110000", Tags: ["vip"]), Ct));
        await Contacts(s => s.CreateAsync(Scope, new ContactInput("bob@example.com", "+79031110000", Tags: ["vip"]), Ct));
        await Contacts(s => s.CreateAsync(Scope, new ContactInput("cat@example.com", "+79161110001", Tags: ["new"]), Ct));
        await Bulk("l", [Member("1", "ann@example.com"), Member("2", "bob@example.com"), Member("3", "cat@example.com")]);

        var selection = new AudienceSelection { Lists = ["l"], Tags = ["vip", "gold"], PhonePrefixes = ["7916"] };

        Assert.Equal(1, await Count(selection));
        Assert.Equal([ann.Id], (await Drain(selection)).Select(r => r.ContactId));
    }

    [Fact]
    public async Task Filters_without_lists_select_from_the_whole_audience_and_attributes_must_all_match()
    {
        var ann = await Contacts(s => s.CreateAsync(Scope, new ContactInput("ann@example.com", Attributes: Json("""{"plan":"pro","cohort":2026,"beta":true}""")), Ct));
        await Contacts(s => s.CreateAsync(Scope, new ContactInput("bob@example.com", Attributes: Json("""{"plan":"pro","cohort":2025}""")), Ct));
        await Contacts(s => s.CreateAsync(OtherAudience, new ContactInput("cat@example.com", Attributes: Json("""{"plan":"pro"}""")), Ct));

        Assert.Equal(2, await Count(new AudienceSelection { Attributes = new Dictionary<string, string?> { ["plan"] = "pro" } }));
        var selection = new AudienceSelection { Attributes = new Dictionary<string, string?> { ["plan"] = "pro", ["cohort"] = "2026", ["beta"] = "true" } };
        Assert.Equal(1, await Count(selection));
        Assert.Equal([ann.Id], (await Drain(selection)).Select(r => r.ContactId));
    }

    [Fact]
    public async Task Suppressed_unsubscribed_removed_and_deleted_contacts_are_never_reached()
    {
        await Bulk("l", Names("ok", "suppressed", "unsubscribed", "removed", "deleted").Select(n => Member(n, $"{n}@example.com")).ToList());
        await Reconcile("l", Names("ok", "suppressed", "unsubscribed", "deleted").Select(n => Member(n, $"{n}@example.com")).ToList(), removeAbsent: true);
        var contacts = (await Contacts(s => s.ListAsync(Scope, cancellationToken: Ct))).Items.ToDictionary(c => c.Email!.Split('@')[0]);
        await Contacts(s => s.UpdateAsync(Scope, contacts["suppressed"].Id, new ContactInput("suppressed@example.com", Tags: ["t"], Status: ContactStatus.Suppressed), Ct));
        await Contacts(s => s.UpdateAsync(Scope, contacts["unsubscribed"].Id, new ContactInput("unsubscribed@example.com", Tags: ["t"], Status: ContactStatus.Unsubscribed), Ct));
        await Contacts(s => s.UpdateAsync(Scope, contacts["ok"].Id, new ContactInput("ok@example.com", Tags: ["t"]), Ct));
        await Contacts(s => s.UpdateAsync(Scope, contacts["deleted"].Id, new ContactInput("deleted@example.com", Tags: ["t"]), Ct));
        await Contacts(s => s.DeleteAsync(Scope, contacts["deleted"].Id, Ct));

        Assert.Equal(["ok@example.com"], (await Drain(new AudienceSelection { Lists = ["l"] })).Select(r => r.Address));
        Assert.Equal(["ok@example.com"], (await Drain(new AudienceSelection { Tags = ["t"] })).Select(r => r.Address));
        Assert.Equal(1, await Count(new AudienceSelection { Lists = ["l"] }));
    }

    [Fact]
    public async Task Pages_are_numbered_from_one_hold_distinct_recipients_in_id_order_and_flag_the_last()
    {
        await Bulk("a", Enumerable.Range(0, 7).Select(i => Member($"k{i}", $"u{i}@example.com")).ToList());
        await Bulk("b", Enumerable.Range(3, 7).Select(i => Member($"k{i}", $"u{i}@example.com")).ToList());
        var selection = new AudienceSelection { Lists = ["a", "b"] };

        var pages = await Pages(selection, await Start(selection), pageSize: 3);

        Assert.Equal([1, 2, 3, 4], pages.Select(p => p.Number));
        Assert.Equal([3, 3, 3, 1], pages.Select(p => p.Recipients.Count));
        Assert.Equal([false, false, false, true], pages.Select(p => p.IsLast));
        var ids = pages.SelectMany(p => p.Recipients).Select(r => r.ContactId).ToList();
        Assert.Equal(10, ids.Distinct().Count());
        Assert.Equal(ids.Order().ToList(), ids);
        Assert.True(pages[^1].Checkpoint.Completed);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Stretches_the_filters_leave_empty_are_skipped_without_empty_pages(bool withList)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 9; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(2));
            var tags = i is 1 or 7 or 8 ? new[] { "late" } : [];
            ids.Add((await Contacts(s => s.CreateAsync(Scope, new ContactInput($"u{i}@example.com", Tags: tags), Ct))).Id);
        }

        await Bulk("l", Enumerable.Range(0, 9).Select(i => Member($"k{i}", $"u{i}@example.com")).ToList());
        var selection = new AudienceSelection { Lists = withList ? ["l"] : null, Tags = ["late"] };

        var pages = await Pages(selection, await Start(selection), pageSize: 2);

        Assert.Equal([(1, 2, false), (2, 1, true)], pages.Select(p => (p.Number, p.Recipients.Count, p.IsLast)));
        Assert.Equal([ids[1], ids[7], ids[8]], pages.SelectMany(p => p.Recipients).Select(r => r.ContactId));
    }

    [Fact]
    public async Task An_exact_multiple_of_the_page_size_ends_without_an_empty_page()
    {
        await Bulk("a", Enumerable.Range(0, 4).Select(i => Member($"k{i}", $"u{i}@example.com")).ToList());
        var selection = new AudienceSelection { Lists = ["a"] };

        var pages = await Pages(selection, await Start(selection), pageSize: 2);

        Assert.Equal([(1, 2, false), (2, 2, true)], pages.Select(p => (p.Number, p.Recipients.Count, p.IsLast)));
    }

    [Fact]
    public async Task Contacts_and_members_added_after_the_start_are_not_included()
    {
        await Bulk("a", [Member("1", "ann@example.com"), Member("2", "bob@example.com")]);
        await Contacts(s => s.CreateAsync(Scope, new ContactInput("old@example.com"), Ct));
        var selection = new AudienceSelection { Lists = ["a"] };
        var checkpoint = await Start(selection);
        Time.Advance(TimeSpan.FromSeconds(1));

        await Bulk("a", [Member("3", "new@example.com"), Member("4", "old@example.com")]);
        var recipients = (await Pages(selection, checkpoint, pageSize: 1)).SelectMany(p => p.Recipients).Select(r => r.Address).Order();

        Assert.Equal(["ann@example.com", "bob@example.com"], recipients);
        Assert.Equal(4, await Count(selection));
    }

    [Fact]
    public async Task A_run_resumes_from_a_checkpoint_without_repeating_or_skipping_anyone()
    {
        await Bulk("a", Enumerable.Range(0, 7).Select(i => Member($"k{i}", $"u{i}@example.com")).ToList());
        var selection = new AudienceSelection { Lists = ["a"] };
        var all = await Pages(selection, await Start(selection), pageSize: 3);

        var resumed = await Pages(selection, all[0].Checkpoint, pageSize: 3);

        Assert.Equal([2, 3], resumed.Select(p => p.Number));
        Assert.Equal(all.Skip(1).SelectMany(p => p.Recipients).Select(r => r.ContactId), resumed.SelectMany(p => p.Recipients).Select(r => r.ContactId));
        Assert.Empty(await Pages(selection, all[^1].Checkpoint, pageSize: 3));
    }

    [Fact]
    public async Task An_empty_audience_completes_at_once_with_no_pages()
    {
        await Lists(s => s.UpsertListAsync(Scope, "empty", Definition("t"), Ct));
        var selection = new AudienceSelection { Lists = ["empty"] };

        var checkpoint = await Start(selection);

        Assert.True(checkpoint.Completed);
        Assert.Null(checkpoint.Ceiling);
        Assert.Empty(await Pages(selection, checkpoint, pageSize: 10));
        Assert.Equal(0, await Count(selection));
    }

    [Fact]
    public async Task The_count_matches_what_the_pager_hands_out()
    {
        await Bulk("a", Enumerable.Range(0, 25).Select(i => Member($"k{i}", $"u{i}@example.com")).ToList());
        await Bulk("b", Enumerable.Range(20, 10).Select(i => Member($"k{i}", $"u{i}@example.com")).ToList());
        var selection = new AudienceSelection { Lists = ["a", "b"] };

        var pages = await Pages(selection, await Start(selection), pageSize: 4);

        Assert.Equal(30, await Count(selection));
        Assert.Equal(30, pages.Sum(p => p.Recipients.Count));
    }

    [Fact]
    public async Task A_selection_naming_a_missing_list_is_invalid_naming_the_list()
    {
        await Lists(s => s.UpsertListAsync(Scope, "real", Definition("t"), Ct));

        var error = await Assert.ThrowsAsync<MailingValidationException>(() => Count(new AudienceSelection { Lists = ["real", "missing"] }));

        Assert.Equal(["Lists[1]"], error.Errors.Keys);
    }

    private static string[] Names(params string[] names) => names;
}
