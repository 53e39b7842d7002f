using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Mailing.Tests.Infrastructure;
using static Mailing.Tests.AspNetCore.RecipientListEndpointTests;

namespace Mailing.Tests.AspNetCore;

/// <summary>What a careless or hostile client sends: huge values, broken text, misplaced errors. Each is a 400 naming the field, or an invalid item.</summary>
public sealed class HostileBodyTests : SampleClientsTest
{
    [Fact]
    public async Task An_over_long_source_key_is_an_invalid_item_whose_echo_is_cut_to_one_character_past_the_limit()
    {
        var key = new string('k', 100_000);

        var response = await PostNdjson("/api/recipient-lists/l/members/bulk-upsert", $$"""{"sourceObjectKey":"{{key}}","email":"a@example.com"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var item = (await response.JsonAsync()).GetProperty("items")[0];
        Assert.Equal("invalid", item.GetProperty("outcome").GetString());
        Assert.Equal(new string('k', 256) + "…", item.GetProperty("sourceObjectKey").GetString());
    }

    [Theory]
    [InlineData("application/x-ndjson")]
    [InlineData("application/json")]
    public async Task A_member_of_more_than_a_mebibyte_of_json_is_a_400_naming_it_and_writes_nothing(string contentType)
    {
        var before = App.DatabaseBytes();
        var members = new[] { Member("a", "a@example.com"), $$"""{"sourceObjectKey":"{{new string('k', 2 * 1024 * 1024)}}","email":"b@example.com"}""" };

        var response = await Post("/api/recipient-lists/l/members/bulk-upsert", members, contentType);

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("members[1]", out _), problem.ToString());
        Assert.Equal(before, App.DatabaseBytes());
    }

    [Fact]
    public async Task An_ndjson_body_of_blank_lines_is_an_empty_request()
    {
        using var content = new ByteArrayContent(Encoding.ASCII.GetBytes(new string('\n', 4 * 1024 * 1024)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");

        var response = await Acme.PostAsync(new Uri("/api/recipient-lists/l/reconcile", UriKind.Relative), content, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, (await response.JsonAsync()).GetProperty("counts").GetProperty("received").GetInt32());
    }

    [Theory]
    [InlineData("application/x-ndjson")]
    [InlineData("application/json")]
    public async Task A_malformed_member_far_into_the_request_is_reported_at_its_own_index(string contentType)
    {
        var members = Enumerable.Range(0, 3000).Select(i => i == 2999 ? """{"sourceObjectKey":"bad","email":["x"]}""" : Member($"k{i}", $"u{i}@example.com")).ToArray();

        var response = await Post("/api/recipient-lists/l/members/bulk-upsert", members, contentType);

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("members[2999].email", out _), problem.ToString());
    }

    [Theory]
    [InlineData("application/x-ndjson")]
    [InlineData("application/json")]
    public async Task Invalid_utf8_in_a_members_property_name_is_a_400_naming_the_member(string contentType)
    {
        var before = App.DatabaseBytes();
        var bad = Encoding.UTF8.GetBytes("{\"sourceObjectKey\":\"b\",\"email\":\"b@example.com\",\"").Concat(new byte[] { 0xC3, 0x28 }).Concat("\":1}"u8.ToArray());
        var first = Encoding.UTF8.GetBytes(Member("a", "a@example.com"));
        var body = contentType == "application/json"
            ? "{\"members\":["u8.ToArray().Concat(first).Append((byte)',').Concat(bad).Concat("]}"u8.ToArray())
            : first.Append((byte)'\n').Concat(bad).Append((byte)'\n');
        using var content = new ByteArrayContent([.. body]);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);

        var response = await Acme.PostAsync(new Uri("/api/recipient-lists/l/members/bulk-upsert", UriKind.Relative), content, TestContext.Current.CancellationToken);

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("members[1]", out _), problem.ToString());
        Assert.Equal(before, App.DatabaseBytes());
    }

    [Theory]
    [InlineData("/api/recipient-lists/l", """{"type":"t","metadata":{"a":"\ud800"}}""", "metadata")]
    [InlineData("/api/recipient-lists/l/members/k", """{"email":"a@example.com","metadata":{"a":["\udc00"]}}""", "metadata")]
    [InlineData("/api/contacts", """{"email":"a@example.com","attributes":{"\ud800":1}}""", "attributes")]
    [InlineData("/api/contacts", """{"email":"a@example.com","attributes":{"a":"x\u0000y"}}""", "attributes")]
    [InlineData("/api/contacts", """{"email":"a@example.com","name":"\ud800"}""", "name")]
    public async Task A_lone_surrogate_or_nul_in_text_is_a_400_naming_the_field_and_writes_nothing(string url, string body, string field)
    {
        var before = App.DatabaseBytes();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        var response = url.EndsWith("/contacts", StringComparison.Ordinal)
            ? await Acme.PostAsync(new Uri(url, UriKind.Relative), content, TestContext.Current.CancellationToken)
            : await Acme.PutAsync(new Uri(url, UriKind.Relative), content, TestContext.Current.CancellationToken);

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(before, App.DatabaseBytes());
    }

    [Fact]
    public async Task A_lone_surrogate_in_a_bulk_members_metadata_makes_it_an_invalid_item()
    {
        var response = await PostNdjson(
            "/api/recipient-lists/l/members/bulk-upsert",
            """{"sourceObjectKey":"a","email":"a@example.com","metadata":{"x":"\ud800"}}""",
            """{"sourceObjectKey":"b","email":"b@example.com"}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["invalid", "added"], (await response.JsonAsync()).GetProperty("items").Strings("outcome"));
    }

    [Fact]
    public async Task A_lone_surrogate_in_a_bulk_members_source_key_is_a_400_naming_it()
    {
        var response = await PostNdjson(
            "/api/recipient-lists/l/members/bulk-upsert",
            """{"sourceObjectKey":"a","email":"a@example.com"}""",
            """{"sourceObjectKey":"b\udc00","email":"b@example.com"}""");

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("members[1].sourceObjectKey", out _), problem.ToString());
    }

    [Fact]
    public async Task A_nul_in_an_attribute_filter_is_a_400_naming_the_attribute()
    {
        var response = await Acme.PostJsonAsync("/api/audiences/count", new { attributes = new Dictionary<string, string> { ["plan"] = "pro\0" } });

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("attributes[plan]", out _), problem.ToString());
    }

    [Theory]
    [InlineData("/api/recipient-lists/l/members/bulk-upsert", "text/plain")]
    [InlineData("/api/recipient-lists/l/members/bulk-upsert", "application/json; charset=latin1")]
    [InlineData("/api/contacts", "text/plain")]
    [InlineData("/api/contacts", "application/json; charset=iso-8859-1")]
    public async Task A_body_that_is_not_utf8_json_is_a_415(string url, string contentType)
    {
        using var content = new StringContent("""{"members":[],"email":"a@example.com"}""");
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        var response = await Acme.PostAsync(new Uri(url, UriKind.Relative), content, TestContext.Current.CancellationToken);

        await AssertProblem(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task A_request_with_two_api_key_headers_is_not_authenticated()
    {
        using var client = App.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/recipient-lists");
        request.Headers.TryAddWithoutValidation("X-Api-Key", [string.Empty, SampleAppFactory.AcmeKey]);

        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("/api/recipient-lists?cursor=AA")]
    [InlineData("/api/recipient-lists?cursor=_w")]
    [InlineData("/api/recipient-lists/l/members?cursor=AA")]
    [InlineData("/api/recipient-lists/l/members?cursor=_w")]
    [InlineData("/api/recipient-lists/l/members?cursor=YQ%3D%3D")]
    [InlineData("/api/contacts?cursor=AA")]
    public async Task A_cursor_this_api_did_not_return_is_a_400_naming_it(string url)
    {
        await Acme.PutJsonAsync("/api/recipient-lists/l", new { type = "t" });

        var problem = await AssertProblem(await Acme.GetUrlAsync(url), HttpStatusCode.BadRequest);

        Assert.True(problem.GetProperty("errors").TryGetProperty("cursor", out _), problem.ToString());
    }

    private static string Member(string key, string email) => $$"""{"sourceObjectKey":"{{key}}","email":"{{email}}"}""";

    private Task<HttpResponseMessage> PostNdjson(string url, params string[] lines) => Post(url, lines, "application/x-ndjson");

    private async Task<HttpResponseMessage> Post(string url, string[] members, string contentType)
    {
        var body = contentType == "application/json" ? "{\"members\":[" + string.Join(",", members) + "]}" : string.Join("\n", members) + "\n";
        using var content = new StringContent(body, Encoding.UTF8, contentType);
        return await Acme.PostAsync(new Uri(url, UriKind.Relative), content, TestContext.Current.CancellationToken);
    }
}
