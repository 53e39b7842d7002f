using System.Net;
using System.Text.Json;
using Mailing.Tests.Infrastructure;
using static Mailing.Tests.AspNetCore.RecipientListEndpointTests;
using static Mailing.Tests.Infrastructure.SampleAppFactory;

namespace Mailing.Tests.AspNetCore;

/// <summary>The contact and audience endpoints, driven through the sample host (TestServer, SQLite file).</summary>
public sealed class ContactAndAudienceEndpointTests : SampleClientsTest
{

    [Fact]
    public async Task Post_contact_creates_it_with_201_a_location_and_the_normalized_phone()
    {
        var response = await Acme.PostJsonAsync("/api/contacts", new
        {
            email = "ann@example.com", phone = "79161234567", name = "Ann", timeZone = "Europe/Moscow",
            tags = Of("vip"), attributes = new { plan = "pro" }, externalId = "crm-1",
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var contact = await response.JsonAsync();
        Assert.Equal("+79161234567", contact.GetProperty("phone").GetString());
        Assert.Equal("active", contact.GetProperty("status").GetString());
        Assert.EndsWith($"/api/contacts/{contact.GetProperty("id").GetString()}", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        var fetched = await (await Acme.GetUrlAsync(response.Headers.Location!.ToString())).JsonAsync();
        Assert.Equal("Europe/Moscow", fetched.GetProperty("timeZone").GetString());
    }

    [Fact]
    public async Task Invalid_contact_fields_are_a_400_naming_each_field()
    {
        var response = await Acme.PostJsonAsync("/api/contacts", new { email = "nope", phone = "12", timeZone = "Mars/Base", tags = Of(" ") });

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        var fields = problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "email", "phone", "timeZone", "tags[0]" }, fields);
    }

    [Fact]
    public async Task A_contact_without_email_or_phone_is_a_400()
    {
        var response = await Acme.PostJsonAsync("/api/contacts", new { name = "Nobody" });

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("email", out _));
    }

    [Theory]
    [InlineData("email")]
    [InlineData("phone")]
    [InlineData("externalId")]
    public async Task A_duplicate_email_phone_or_external_id_is_a_409_naming_the_field(string field)
    {
        await Acme.PostJsonAsync("/api/contacts", new { email = "ann@example.com", phone = "+79161234567", externalId = "crm-1" });
        object duplicate = field switch
        {
            "email" => new { email = "ANN@example.com" },
            "phone" => new { phone = "7 916 123 45 67" },
            _ => new { email = "bob@example.com", externalId = "crm-1" },
        };

        var response = await Acme.PostJsonAsync("/api/contacts", duplicate);

        var problem = await AssertProblem(response, HttpStatusCode.Conflict);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task Put_replaces_a_contact_and_delete_makes_it_404()
    {
        var id = await CreateAsync(Acme, new { email = "ann@example.com", tags = Of("a") });

        var put = await Acme.PutJsonAsync($"/api/contacts/{id}", new { email = "ann@example.com", status = "unsubscribed" });
        var delete = await Acme.DeleteAsync(new Uri($"/api/contacts/{id}", UriKind.Relative), TestContext.Current.CancellationToken);
        var get = await Acme.GetUrlAsync($"/api/contacts/{id}");

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var replaced = await put.JsonAsync();
        Assert.Equal("unsubscribed", replaced.GetProperty("status").GetString());
        Assert.Empty(replaced.GetProperty("tags").EnumerateArray());
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        await AssertProblem(get, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Another_clients_contact_is_404_for_get_put_and_delete()
    {
        var id = await CreateAsync(Acme, new { email = "ann@example.com" });

        var get = await Globex.GetUrlAsync($"/api/contacts/{id}");
        var put = await Globex.PutJsonAsync($"/api/contacts/{id}", new { email = "x@example.com" });
        var delete = await Globex.DeleteAsync(new Uri($"/api/contacts/{id}", UriKind.Relative), TestContext.Current.CancellationToken);

        await AssertProblem(get, HttpStatusCode.NotFound);
        await AssertProblem(put, HttpStatusCode.NotFound);
        await AssertProblem(delete, HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await Acme.GetUrlAsync($"/api/contacts/{id}")).StatusCode);
    }

    [Fact]
    public async Task Contacts_are_listed_by_tag_and_phone_prefix_with_a_cursor()
    {
        var a = await CreateAsync(Acme, new { phone = "+79160000001", tags = Of("vip") });
        await CreateAsync(Acme, new { phone = "+79030000002", tags = Of("vip") });
        var c = await CreateAsync(Acme, new { phone = "+79160000003", tags = Of("new") });

        var first = await (await Acme.GetUrlAsync("/api/contacts?phonePrefix=7916&limit=1")).JsonAsync();
        var second = await (await Acme.GetUrlAsync($"/api/contacts?phonePrefix=7916&limit=1&cursor={first.GetProperty("nextCursor").GetString()}")).JsonAsync();
        var tagged = await (await Acme.GetUrlAsync("/api/contacts?tag=vip&tag=gold&phonePrefix=%2B7916")).JsonAsync();

        Assert.Equal([a], first.GetProperty("items").Strings("id"));
        Assert.Equal([c], second.GetProperty("items").Strings("id"));
        Assert.Equal([a], tagged.GetProperty("items").Strings("id"));
    }

    [Fact]
    public async Task Audience_count_counts_distinct_reachable_contacts()
    {
        await Acme.PostJsonAsync("/api/recipient-lists/a/members/bulk-upsert", new { members = new[] { Item("1", "ann@example.com"), Item("2", "bob@example.com") } });
        await Acme.PostJsonAsync("/api/recipient-lists/b/members/bulk-upsert", new { members = new[] { Item("1", "bob@example.com"), Item("2", "cat@example.com") } });

        var union = await Acme.PostJsonAsync("/api/audiences/count", new { lists = Of("a", "b") });
        var foreign = await Globex.PostJsonAsync("/api/audiences/count", new { lists = Of("a") });

        Assert.Equal(HttpStatusCode.OK, union.StatusCode);
        Assert.Equal(3, (await union.JsonAsync()).GetProperty("count").GetInt64());
        var problem = await AssertProblem(foreign, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("lists[0]", out _));
    }

    [Fact]
    public async Task An_empty_or_malformed_selection_is_a_400_naming_the_field()
    {
        var empty = await Acme.PostJsonAsync("/api/audiences/count", new { audience = "default" });
        var prefix = await Acme.PostJsonAsync("/api/audiences/count", new { phonePrefixes = Of("abc") });

        Assert.True((await AssertProblem(empty, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("lists", out _));
        Assert.True((await AssertProblem(prefix, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("phonePrefixes[0]", out _));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_contact_and_audience_endpoints()
    {
        using var anonymous = App.ClientFor(null);

        var document = await (await anonymous.GetUrlAsync("/openapi/v1.json")).JsonAsync();

        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => o.Value.GetProperty("operationId").GetString()))
            .ToHashSet();
        Assert.Superset(new HashSet<string?> { "CreateContact", "ListContacts", "GetContact", "ReplaceContact", "DeleteContact", "CountAudience" }, operations);
    }

    private static string[] Of(params string[] values) => values;

    private static object Item(string key, string email) => new { sourceObjectKey = key, email };

    private static async Task<string> CreateAsync(HttpClient client, object body)
    {
        var response = await client.PostJsonAsync("/api/contacts", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }
}
