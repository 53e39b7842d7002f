using System.Net;
using System.Text;
using System.Text.Json;
using Mailing.Tests.Infrastructure;
using static Mailing.Tests.Infrastructure.SampleAppFactory;

namespace Mailing.Tests.AspNetCore;

/// <summary>The recipient-list endpoints, driven through the sample host (TestServer, SQLite file).</summary>
public sealed class RecipientListEndpointTests : SampleClientsTest
{

    // ---- lists ------------------------------------------------------------------------------

    [Fact]
    public async Task Put_list_creates_it_with_201_then_answers_200_unchanged()
    {
        var body = new { type = "course_registrants", name = "ML Zoomcamp 2026", metadata = new { cohort = 2026 } };

        var created = await Acme.PutJsonAsync("/api/recipient-lists/registrants:ml-2026", body);
        var again = await Acme.PutJsonAsync("/api/recipient-lists/registrants:ml-2026", body);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var first = await created.JsonAsync();
        var second = await again.JsonAsync();
        Assert.Equal("course_registrants", second.GetProperty("type").GetString());
        Assert.Equal(2026, second.GetProperty("metadata").GetProperty("cohort").GetInt32());
        Assert.Equal(first.GetProperty("updatedAt").GetString(), second.GetProperty("updatedAt").GetString());
    }

    [Fact]
    public async Task Get_list_returns_total_active_and_removed_counts_and_last_reconcile_status()
    {
        await Reconcile(Acme, "l", [Item("a", "a@example.com"), Item("b", "b@example.com")]);
        await Reconcile(Acme, "l", [Item("a", "a@example.com"), Item("c", "bad")], removeAbsent: true);

        var list = await (await Acme.GetUrlAsync("/api/recipient-lists/l")).JsonAsync();

        Assert.Equal((2, 1, 1), (list.GetProperty("memberCount").GetInt32(), list.GetProperty("activeMemberCount").GetInt32(), list.GetProperty("removedMemberCount").GetInt32()));
        Assert.Equal("completed_with_errors", list.GetProperty("lastReconcileStatus").GetString());
        Assert.Equal(JsonValueKind.String, list.GetProperty("lastReconciledAt").ValueKind);
        var counts = list.GetProperty("lastReconcileCounts");
        Assert.Equal((1, 1, 1), (counts.GetProperty("unchanged").GetInt32(), counts.GetProperty("removed").GetInt32(), counts.GetProperty("invalid").GetInt32()));
    }

    [Fact]
    public async Task Get_of_a_missing_list_is_a_404_problem()
    {
        var response = await Acme.GetUrlAsync("/api/recipient-lists/missing");

        await AssertProblem(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Lists_are_listed_by_key_with_a_cursor()
    {
        foreach (var key in new[] { "b", "a", "c" })
        {
            await Acme.PutJsonAsync($"/api/recipient-lists/{key}", new { type = "t" });
        }

        var first = await (await Acme.GetUrlAsync("/api/recipient-lists?limit=2")).JsonAsync();
        var cursor = first.GetProperty("nextCursor").GetString();
        var second = await (await Acme.GetUrlAsync($"/api/recipient-lists?limit=2&cursor={cursor}")).JsonAsync();

        Assert.Equal(["a", "b"], first.GetProperty("items").Strings("key"));
        Assert.Equal(["c"], second.GetProperty("items").Strings("key"));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
    }

    [Fact]
    public async Task Audience_query_parameter_selects_a_separate_namespace()
    {
        await Acme.PutJsonAsync("/api/recipient-lists/k?audience=students", new { type = "students" });

        var inDefault = await Acme.GetUrlAsync("/api/recipient-lists/k");
        var inStudents = await Acme.GetUrlAsync("/api/recipient-lists/k?audience=students");

        Assert.Equal(HttpStatusCode.NotFound, inDefault.StatusCode);
        Assert.Equal("students", (await inStudents.JsonAsync()).GetProperty("audience").GetString());
    }

    // ---- members ----------------------------------------------------------------------------

    [Fact]
    public async Task Put_member_creates_the_list_from_the_body_and_repeating_it_is_unchanged()
    {
        var body = new { email = "ann@example.com", name = "Ann", metadata = new { score = 9 }, list = new { type = "homework_submitters", name = "HW1" } };

        var first = await Acme.PutJsonAsync("/api/recipient-lists/hw:1/members/submission:123", body);
        var second = await Acme.PutJsonAsync("/api/recipient-lists/hw:1/members/submission:123", body);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var json = await second.JsonAsync();
        Assert.Equal("unchanged", json.GetProperty("outcome").GetString());
        Assert.Equal("homework_submitters", json.GetProperty("list").GetProperty("type").GetString());
        Assert.Equal((await first.JsonAsync()).GetProperty("updatedAt").GetString(), json.GetProperty("updatedAt").GetString());
    }

    [Fact]
    public async Task Put_member_of_a_contact_active_under_another_key_is_a_409_naming_email_and_writes_nothing()
    {
        await Acme.PutJsonAsync("/api/recipient-lists/l/members/k1", new { email = "ann@example.com" });
        var before = App.DatabaseBytes();

        var response = await Acme.PutJsonAsync("/api/recipient-lists/l/members/k2", new { email = "Ann@Example.com", list = new { type = "other" } });

        var problem = await AssertProblem(response, HttpStatusCode.Conflict);
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));
        Assert.Equal(before, App.DatabaseBytes());
    }

    [Fact]
    public async Task Put_member_with_an_invalid_email_is_a_400_naming_email()
    {
        var response = await Acme.PutJsonAsync("/api/recipient-lists/l/members/k1", new { email = "not-an-email" });

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await Acme.GetUrlAsync("/api/recipient-lists/l")).StatusCode);
    }

    [Fact]
    public async Task Soft_removed_member_is_reactivated_by_a_later_put()
    {
        await Reconcile(Acme, "l", [Item("a", "a@example.com"), Item("b", "b@example.com")]);
        await Reconcile(Acme, "l", [Item("a", "a@example.com")], removeAbsent: true);
        var removed = await (await Acme.GetUrlAsync("/api/recipient-lists/l/members?active=false")).JsonAsync();

        var response = await Acme.PutJsonAsync("/api/recipient-lists/l/members/b", new { email = "b@example.com" });

        Assert.Equal(["b"], removed.GetProperty("items").Strings("sourceObjectKey"));
        Assert.Equal(JsonValueKind.String, removed.GetProperty("items")[0].GetProperty("removedAt").ValueKind);
        var json = await response.JsonAsync();
        Assert.Equal(("reactivated", true), (json.GetProperty("outcome").GetString(), json.GetProperty("active").GetBoolean()));
        Assert.Equal(2, json.GetProperty("list").GetProperty("activeMemberCount").GetInt32());
    }

    [Fact]
    public async Task Members_are_listed_with_keyset_pages_and_an_active_filter()
    {
        await Reconcile(Acme, "l", [Item("a", "a@example.com"), Item("b", "b@example.com"), Item("c", "c@example.com")]);
        await Reconcile(Acme, "l", [Item("a", "a@example.com"), Item("c", "c@example.com")], removeAbsent: true);

        var page1 = await (await Acme.GetUrlAsync("/api/recipient-lists/l/members?limit=2")).JsonAsync();
        var page2 = await (await Acme.GetUrlAsync($"/api/recipient-lists/l/members?limit=2&cursor={page1.GetProperty("nextCursor").GetString()}")).JsonAsync();
        var active = await (await Acme.GetUrlAsync("/api/recipient-lists/l/members?active=true")).JsonAsync();

        Assert.Equal(["a", "b", "c"], [.. page1.GetProperty("items").Strings("sourceObjectKey"), .. page2.GetProperty("items").Strings("sourceObjectKey")]);
        Assert.Equal(["a", "c"], active.GetProperty("items").Strings("sourceObjectKey"));
    }

    // ---- bulk upsert and reconcile ----------------------------------------------------------

    [Fact]
    public async Task Bulk_upsert_reports_duplicate_source_keys_and_duplicate_contacts_per_item()
    {
        var response = await Acme.PostJsonAsync("/api/recipient-lists/l/members/bulk-upsert", new
        {
            list = new { type = "project_submitters" },
            members = new object[]
            {
                Item("p1", "ann@example.com"),
                Item("p1", "other@example.com"),
                Item("p2", "ANN@example.com"),
                Item("p3", "bob@example.com"),
                Item("", "nokey@example.com"),
            },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal(["added", "duplicate_source_key", "duplicate_contact", "added", "invalid"], json.GetProperty("items").Strings("outcome"));
        Assert.Equal([0, 1, 2, 3, 4], json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("index").GetInt32()));
        Assert.Equal(5, json.GetProperty("counts").GetProperty("received").GetInt32());
        Assert.Equal("project_submitters", json.GetProperty("list").GetProperty("type").GetString());
        Assert.Equal(2, json.GetProperty("list").GetProperty("activeMemberCount").GetInt32());
    }

    [Fact]
    public async Task Reconcile_dry_run_leaves_the_database_byte_for_byte_unchanged()
    {
        await Reconcile(Acme, "l", [Item("a", "a@example.com"), Item("b", "b@example.com")]);
        var before = App.DatabaseBytes();

        var json = await Reconcile(Acme, "l", [Item("a", "a2@example.com"), Item("c", "c@example.com")], removeAbsent: true, dryRun: true);

        Assert.Equal(before, App.DatabaseBytes());
        Assert.True(json.GetProperty("dryRun").GetBoolean());
        Assert.Equal(["updated", "added", "removed"], json.GetProperty("items").Strings("outcome"));
        Assert.Equal(2, json.GetProperty("list").GetProperty("activeMemberCount").GetInt32());
        await Reconcile(Acme, "l", [Item("a", "a2@example.com"), Item("c", "c@example.com")], removeAbsent: true);
        Assert.NotEqual(before, App.DatabaseBytes()); // the comparison does see a real write
    }

    [Fact]
    public async Task Reconcile_with_remove_absent_soft_removes_and_reports_the_removed_members()
    {
        await Reconcile(Acme, "l", [Item("a", "a@example.com"), Item("b", "b@example.com")]);

        var json = await Reconcile(Acme, "l", [Item("a", "a@example.com")], removeAbsent: true);

        var removed = json.GetProperty("items")[1];
        Assert.Equal(("b", "removed", JsonValueKind.Null), (removed.GetProperty("sourceObjectKey").GetString(), removed.GetProperty("outcome").GetString(), removed.GetProperty("index").ValueKind));
        Assert.Equal(1, json.GetProperty("list").GetProperty("removedMemberCount").GetInt32());
        Assert.Equal("succeeded", json.GetProperty("list").GetProperty("lastReconcileStatus").GetString());
    }

    [Fact]
    public async Task Reconcile_without_a_members_array_is_a_400_and_removes_nobody()
    {
        await Reconcile(Acme, "l", [Item("a", "a@example.com")]);

        var response = await Acme.PostJsonAsync("/api/recipient-lists/l/reconcile", new { removeAbsent = true, member = Array.Empty<object>() });

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("members", out _));
        Assert.Equal(1, (await (await Acme.GetUrlAsync("/api/recipient-lists/l")).JsonAsync()).GetProperty("activeMemberCount").GetInt32());
    }

    [Fact]
    public async Task Malformed_member_json_is_a_400_naming_the_field_and_writes_nothing()
    {
        var before = App.DatabaseBytes();
        using var content = new StringContent("""{"members":[{"sourceObjectKey":"a","email":"a@example.com"},{"sourceObjectKey":"b","email":42}]}""", Encoding.UTF8, "application/json");

        var response = await Acme.PostAsync(new Uri("/api/recipient-lists/l/members/bulk-upsert", UriKind.Relative), content, TestContext.Current.CancellationToken);

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("members[1].email", out _));
        Assert.Equal(before, App.DatabaseBytes());
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_415()
    {
        using var content = new StringContent("type=x", Encoding.UTF8, "application/x-www-form-urlencoded");

        var response = await Acme.PutAsync(new Uri("/api/recipient-lists/l", UriKind.Relative), content, TestContext.Current.CancellationToken);

        await AssertProblem(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("/api/recipient-lists?limit=0", "limit")]
    [InlineData("/api/recipient-lists?limit=abc", "limit")]
    [InlineData("/api/recipient-lists?cursor=%%%", "cursor")]
    [InlineData("/api/recipient-lists?audience=bad%20audience", "audience")]
    [InlineData("/api/recipient-lists/l/members?active=maybe", "active")]
    public async Task Invalid_query_values_are_400_problems_naming_the_parameter(string url, string field)
    {
        await Acme.PutJsonAsync("/api/recipient-lists/l", new { type = "t" });

        var response = await Acme.GetUrlAsync(url);

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    // ---- authentication and tenancy ---------------------------------------------------------

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-key")]
    public async Task Requests_without_a_valid_api_key_are_401(string? key)
    {
        using var client = App.ClientFor(key);

        var response = await client.GetUrlAsync("/api/recipient-lists");

        await AssertProblem(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Another_clients_list_is_404_as_if_absent()
    {
        await Acme.PutJsonAsync("/api/recipient-lists/private", new { type = "t" });
        await Acme.PutJsonAsync("/api/recipient-lists/private/members/k", new { email = "ann@example.com" });

        var get = await Globex.GetUrlAsync("/api/recipient-lists/private");
        var members = await Globex.GetUrlAsync("/api/recipient-lists/private/members");
        var listing = await (await Globex.GetUrlAsync("/api/recipient-lists")).JsonAsync();

        await AssertProblem(get, HttpStatusCode.NotFound);
        await AssertProblem(members, HttpStatusCode.NotFound);
        Assert.Empty(listing.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Two_clients_use_the_same_list_key_source_key_and_email_independently()
    {
        var acme = await Acme.PutJsonAsync("/api/recipient-lists/shared/members/src:1", new { email = "ann@example.com", list = new { type = "acme_type" } });
        var globex = await Globex.PutJsonAsync("/api/recipient-lists/shared/members/src:1", new { email = "ann@example.com", list = new { type = "globex_type" } });

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (acme.StatusCode, globex.StatusCode));
        var a = await acme.JsonAsync();
        var g = await globex.JsonAsync();
        Assert.NotEqual(a.GetProperty("contactId").GetString(), g.GetProperty("contactId").GetString());
        Assert.Equal("acme_type", (await (await Acme.GetUrlAsync("/api/recipient-lists/shared")).JsonAsync()).GetProperty("type").GetString());
        Assert.Equal("globex_type", (await (await Globex.GetUrlAsync("/api/recipient-lists/shared")).JsonAsync()).GetProperty("type").GetString());
    }

    // ---- documentation ----------------------------------------------------------------------

    [Fact]
    public async Task The_openapi_document_describes_every_recipient_list_endpoint()
    {
        using var anonymous = App.ClientFor(null);

        var document = await (await anonymous.GetUrlAsync("/openapi/v1.json")).JsonAsync();
        var docs = await anonymous.GetUrlAsync("/docs/index.html");

        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => o.Value.GetProperty("operationId").GetString()))
            .ToHashSet();
        Assert.Superset(
            new HashSet<string?> { "ListRecipientLists", "GetRecipientList", "UpsertRecipientList", "ListRecipientListMembers", "UpsertRecipientListMember", "BulkUpsertRecipientListMembers", "ReconcileRecipientList" },
            operations);
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static object Item(string key, string email) => new { sourceObjectKey = key, email };

    private static async Task<JsonElement> Reconcile(HttpClient client, string key, object[] members, bool removeAbsent = false, bool dryRun = false)
    {
        var response = await client.PostJsonAsync($"/api/recipient-lists/{key}/reconcile", new { members, removeAbsent, dryRun });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    internal static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }
}
