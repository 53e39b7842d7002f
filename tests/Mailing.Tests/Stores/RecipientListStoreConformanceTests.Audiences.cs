using System.Text.Json;
using Mailing.Audiences;
using Mailing.Contacts;
using Microsoft.Extensions.DependencyInjection;

namespace Mailing.Tests.Stores;

// The contact and audience half of the conformance suite: every store runs these too.
public abstract partial class RecipientListStoreConformanceTests
{
    // ---- contacts ---------------------------------------------------------------------------

    [Fact]
    public async Task Creating_a_contact_keeps_every_field_and_normalizes_the_phone()
    {
        var created = await Contacts(s => s.CreateAsync(Scope, new ContactInput(
            Email: " Ann@Example.com ", Phone: "7 (916) 123-45-67", Name: "Ann", TimeZone: "Europe/Moscow",
            Tags: ["vip", "ml", "vip"], Attributes: Json("""{"plan":"pro","cohort":2026}"""), ExternalId: "crm-1"), Ct));

        var found = await Contacts(s => s.FindAsync(Scope, created.Id, Ct));

        Assert.NotNull(found);
        Assert.Equal(("Ann@Example.com", "+79161234567", "Ann", "Europe/Moscow", "crm-1"), (found.Email, found.Phone, found.Name, found.TimeZone, found.ExternalId));
        Assert.Equal(["vip", "ml"], found.Tags);
        Assert.Equal("pro", found.Attributes.GetProperty("plan").GetString());
        Assert.Equal(ContactStatus.Active, found.Status);
        Assert.Equal(Time.GetUtcNow(), found.CreatedAt);
    }

    [Theory]
    [InlineData("Email")]
    [InlineData("Phone")]
    [InlineData("ExternalId")]
    public async Task A_second_contact_with_the_same_email_phone_or_external_id_is_a_conflict_naming_the_field(string field)
    {
        await Contacts(s => s.CreateAsync(Scope, new ContactInput("ann@example.com", "+79161234567", ExternalId: "crm-1"), Ct));
        var duplicate = field switch
        {
            "Email" => new ContactInput("ANN@example.com"),
            "Phone" => new ContactInput(Phone: "79161234567"),
            _ => new ContactInput("other@example.com", ExternalId: "crm-1"),
        };

        var conflict = await Assert.ThrowsAsync<MailingConflictException>(() => Contacts(s => s.CreateAsync(Scope, duplicate, Ct)));

        Assert.Equal(field, conflict.Field);
    }

    [Fact]
    public async Task Updating_a_contact_replaces_its_fields_and_tags()
    {
        var created = await Contacts(s => s.CreateAsync(Scope, new ContactInput("ann@example.com", Tags: ["a", "b"]), Ct));
        Time.Advance(TimeSpan.FromMinutes(1));

        var updated = await Contacts(s => s.UpdateAsync(Scope, created.Id, new ContactInput(Phone: "+15551234567", Tags: ["c"], Status: ContactStatus.Unsubscribed), Ct));

        Assert.Equal((null, "+15551234567", ContactStatus.Unsubscribed), (updated.Email, updated.Phone, updated.Status));
        Assert.Equal(["c"], updated.Tags);
        Assert.Equal(Time.GetUtcNow(), updated.UpdatedAt);
        Assert.Equal([created.Id], await ContactIds(new ContactFilter(Tags: ["c"])));
        Assert.Empty(await ContactIds(new ContactFilter(Tags: ["a"])));
    }

    [Fact]
    public async Task Deleting_a_contact_removes_its_memberships_and_keeps_the_list_counters_consistent()
    {
        await Bulk("l1", [Member("k1", "ann@example.com"), Member("k2", "bob@example.com")]);
        await Bulk("l2", [Member("k1", "ann@example.com")]);
        var ann = (await Lists(s => s.ListMembersAsync(Scope, "l1", cancellationToken: Ct))).Items.Single(m => m.SourceObjectKey == "k1").ContactId;

        await Contacts(s => s.DeleteAsync(Scope, ann, Ct));

        var l1 = await Lists(s => s.FindListAsync(Scope, "l1", Ct));
        var l2 = await Lists(s => s.FindListAsync(Scope, "l2", Ct));
        Assert.Equal((2L, 1L, 1L), (l1!.MemberCount, l1.ActiveMemberCount, l1.RemovedMemberCount));
        Assert.Equal((1L, 0L), (l2!.MemberCount, l2.ActiveMemberCount));
        var removed = await Lists(s => s.ListMembersAsync(Scope, "l1", active: false, cancellationToken: Ct));
        Assert.Equal(Time.GetUtcNow(), Assert.Single(removed.Items).RemovedAt);
        Assert.Null(await Contacts(s => s.FindAsync(Scope, ann, Ct)));
        Assert.Equal(1, await Count(new AudienceSelection { Lists = ["l1", "l2"] }));
    }

    [Fact]
    public async Task A_deleted_contacts_address_can_be_used_by_a_new_contact()
    {
        var first = await Contacts(s => s.CreateAsync(Scope, new ContactInput("ann@example.com", "+79161234567", ExternalId: "x"), Ct));
        await Contacts(s => s.DeleteAsync(Scope, first.Id, Ct));

        var second = await Contacts(s => s.CreateAsync(Scope, new ContactInput("ann@example.com", "+79161234567", ExternalId: "x"), Ct));

        Assert.NotEqual(first.Id, second.Id);
    }

    [Fact]
    public async Task Contacts_are_paged_by_id_and_filtered_by_tag_phone_prefix_and_status()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            Time.Advance(TimeSpan.FromMilliseconds(5));
            var contact = await Contacts(s => s.CreateAsync(Scope, new ContactInput(
                Phone: i % 2 == 0 ? $"+7916000000{i}" : $"+7903000000{i}", Tags: [i < 3 ? "early" : "late"],
                Status: i == 4 ? ContactStatus.Suppressed : null), Ct));
            ids.Add(contact.Id);
        }

        Assert.Equal(ids, await ContactIds(new ContactFilter(), limit: 2));
        Assert.Equal([ids[0], ids[2], ids[4]], await ContactIds(new ContactFilter(PhonePrefixes: ["7916"])));
        Assert.Equal([ids[0], ids[2]], await ContactIds(new ContactFilter(Tags: ["early"], PhonePrefixes: ["+7916"]), limit: 1));
        Assert.Equal([ids[4]], await ContactIds(new ContactFilter(Status: ContactStatus.Suppressed)));
        Assert.Equal([ids[0], ids[1], ids[2]], await ContactIds(new ContactFilter(Tags: ["early", "nope"])));
    }

    [Fact]
    public async Task Another_client_can_neither_see_nor_change_nor_delete_a_contact()
    {
        var other = MailingScope.ForClient($"other-{Guid.NewGuid():N}");
        var mine = await Contacts(s => s.CreateAsync(Scope, new ContactInput("ann@example.com"), Ct));

        Assert.Null(await Contacts(s => s.FindAsync(other, mine.Id, Ct)));
        await Assert.ThrowsAsync<MailingNotFoundException>(() => Contacts(s => s.UpdateAsync(other, mine.Id, new ContactInput("x@example.com"), Ct)));
        await Assert.ThrowsAsync<MailingNotFoundException>(() => Contacts(s => s.DeleteAsync(other, mine.Id, Ct)));
        Assert.NotNull(await Contacts(s => s.FindAsync(Scope, mine.Id, Ct)));
        Assert.NotNull(await Contacts(s => s.CreateAsync(other, new ContactInput("ann@example.com"), Ct)));
    }

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
        await Contacts(s => s.CreateAsync(Scope with { Audience = "students" }, new ContactInput("cat@example.com", Attributes: Json("""{"plan":"pro"}""")), Ct));

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

    // ---- helpers ----------------------------------------------------------------------------

    protected async Task<T> Contacts<T>(Func<IContactService, Task<T>> action)
    {
        await using var scope = _services!.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<IContactService>());
    }

    protected async Task Contacts(Func<IContactService, Task> action)
    {
        await using var scope = _services!.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<IContactService>());
    }

    protected async Task<long> Count(AudienceSelection selection)
    {
        await using var scope = _services!.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IAudienceService>().CountAsync(Scope.ClientId, selection, Ct);
    }

    protected async Task<AudienceCheckpoint> Start(AudienceSelection selection)
    {
        await using var scope = _services!.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IAudiencePager>().StartAsync(Scope.ClientId, selection, Ct);
    }

    protected async Task<List<AudiencePage>> Pages(AudienceSelection selection, AudienceCheckpoint checkpoint, int pageSize)
    {
        await using var scope = _services!.CreateAsyncScope();
        var pager = scope.ServiceProvider.GetRequiredService<IAudiencePager>();
        var pages = new List<AudiencePage>();
        await foreach (var page in pager.ReadPagesAsync(Scope.ClientId, selection, checkpoint, pageSize, Ct))
        {
            pages.Add(page);
        }

        return pages;
    }

    protected async Task<List<AudienceRecipient>> Drain(AudienceSelection selection) =>
        [.. (await Pages(selection, await Start(selection), pageSize: 2)).SelectMany(p => p.Recipients)];

    private async Task<List<Guid>> ContactIds(ContactFilter filter, int limit = 100)
    {
        var ids = new List<Guid>();
        string? cursor = null;
        do
        {
            var page = await Contacts(s => s.ListAsync(Scope, filter, cursor, limit, Ct));
            ids.AddRange(page.Items.Select(c => c.Id));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return ids;
    }

    private static string[] Names(params string[] names) => names;

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;
}
