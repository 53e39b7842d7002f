using Mailing.Contacts;

namespace Mailing.Conformance;

// Contacts: fields, uniqueness, updates, deletion and tenant isolation.
public abstract partial class RecipientStoreConformanceTests
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
        var mine = await Contacts(s => s.CreateAsync(Scope, new ContactInput("ann@example.com"), Ct));

        Assert.Null(await Contacts(s => s.FindAsync(OtherClient, mine.Id, Ct)));
        await Assert.ThrowsAsync<MailingNotFoundException>(() => Contacts(s => s.UpdateAsync(OtherClient, mine.Id, new ContactInput("x@example.com"), Ct)));
        await Assert.ThrowsAsync<MailingNotFoundException>(() => Contacts(s => s.DeleteAsync(OtherClient, mine.Id, Ct)));
        Assert.NotNull(await Contacts(s => s.FindAsync(Scope, mine.Id, Ct)));
        Assert.NotNull(await Contacts(s => s.CreateAsync(OtherClient, new ContactInput("ann@example.com"), Ct)));
    }

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
}
