using System.Net;
using System.Text;
using System.Text.Json;
using Mailing.AspNetCore;
using Mailing.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using static Mailing.Tests.AspNetCore.RecipientListEndpointTests;

namespace Mailing.Tests.AspNetCore;

/// <summary>Bulk-upsert and reconcile bodies: NDJSON, JSON in any property order, and the size limit.</summary>
public sealed class StreamingBodyTests : IAsyncLifetime
{
    private readonly SampleAppFactory _app = new(services =>
        services.Configure<MailingEndpointOptions>(o => o.MaxMembershipRequestBodySize = 64 * 1024));

    private HttpClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _client = _app.ClientFor(SampleAppFactory.AcmeKey);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task Ndjson_bulk_upsert_takes_one_member_per_line_and_the_list_from_the_query()
    {
        var response = await PostNdjson(
            "/api/recipient-lists/hw/members/bulk-upsert?listType=homework_submitters&listName=HW%201",
            """{"sourceObjectKey":"s1","email":"ann@example.com"}""",
            "",
            """{"sourceObjectKey":"s2","email":"bob@example.com","metadata":{"score":3}}""");

        var json = await response.JsonAsync();
        Assert.Equal(["added", "added"], json.GetProperty("items").Strings("outcome"));
        Assert.Equal(("homework_submitters", "HW 1"), (json.GetProperty("list").GetProperty("type").GetString(), json.GetProperty("list").GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Ndjson_reconcile_takes_dry_run_and_remove_absent_from_the_query()
    {
        await PostNdjson("/api/recipient-lists/l/reconcile", """{"sourceObjectKey":"a","email":"a@example.com"}""", """{"sourceObjectKey":"b","email":"b@example.com"}""");
        var before = _app.DatabaseBytes();

        var response = await PostNdjson("/api/recipient-lists/l/reconcile?dryRun=true&removeAbsent=true", """{"sourceObjectKey":"a","email":"a@example.com"}""");

        var json = await response.JsonAsync();
        Assert.True(json.GetProperty("dryRun").GetBoolean());
        Assert.Equal(["unchanged", "removed"], json.GetProperty("items").Strings("outcome"));
        Assert.Equal(before, _app.DatabaseBytes());
    }

    [Fact]
    public async Task A_malformed_ndjson_line_is_a_400_naming_the_member_and_writes_nothing()
    {
        var before = _app.DatabaseBytes();

        var response = await PostNdjson("/api/recipient-lists/l/members/bulk-upsert",
            """{"sourceObjectKey":"a","email":"a@example.com"}""", """{"sourceObjectKey":"b","email":["x"]}""");

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("members[1].email", out _), problem.ToString());
        Assert.Equal(before, _app.DatabaseBytes());
    }

    [Theory]
    [InlineData("""{"dryRun":true,"removeAbsent":true,"members":[{"sourceObjectKey":"a","email":"a@example.com"}]}""")]
    [InlineData("""{"members":[{"sourceObjectKey":"a","email":"a@example.com"}],"removeAbsent":true,"dryRun":true}""")]
    [InlineData("""{"removeAbsent":true,"members":[{"sourceObjectKey":"a","email":"a@example.com"}],"list":{"type":"t"},"dryRun":true}""")]
    public async Task Json_flags_apply_wherever_they_stand_relative_to_the_members(string body)
    {
        await PostNdjson("/api/recipient-lists/l/reconcile", """{"sourceObjectKey":"a","email":"a@example.com"}""", """{"sourceObjectKey":"b","email":"b@example.com"}""");
        var before = _app.DatabaseBytes();

        var response = await PostJson("/api/recipient-lists/l/reconcile", body);

        var json = await response.JsonAsync();
        Assert.True(json.GetProperty("dryRun").GetBoolean());
        Assert.Equal(["unchanged", "removed"], json.GetProperty("items").Strings("outcome"));
        Assert.Equal(before, _app.DatabaseBytes());
    }

    [Theory]
    [InlineData("""{"members":{"sourceObjectKey":"a"}}""", "members")]
    [InlineData("""{"members":[],"dryRun":"yes"}""", "dryRun")]
    [InlineData("""[1,2]""", "body")]
    [InlineData("""{"members":[{"sourceObjectKey":"a","email":"a@example.com"}""", "body")]
    public async Task Malformed_json_bodies_are_400_problems_naming_the_field(string body, string field)
    {
        var response = await PostJson("/api/recipient-lists/l/reconcile", body);

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task A_body_over_the_configured_limit_is_a_413_and_writes_nothing()
    {
        var before = _app.DatabaseBytes();
        var lines = Enumerable.Range(0, 2000).Select(i => $$"""{"sourceObjectKey":"k{{i}}","email":"u{{i}}@example.com"}""").ToArray();

        var response = await PostNdjson("/api/recipient-lists/l/members/bulk-upsert", lines);

        await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(before, _app.DatabaseBytes());
    }

    private async Task<HttpResponseMessage> PostNdjson(string url, params string[] lines)
    {
        using var content = new StringContent(string.Join("\n", lines) + "\n", Encoding.UTF8, "application/x-ndjson");
        return await _client.PostAsync(new Uri(url, UriKind.Relative), content, TestContext.Current.CancellationToken);
    }

    private async Task<HttpResponseMessage> PostJson(string url, string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await _client.PostAsync(new Uri(url, UriKind.Relative), content, TestContext.Current.CancellationToken);
    }
}

/// <summary>
/// 100,000 members through the sample's HTTP endpoint on a real Kestrel port, against PostgreSQL:
/// NDJSON, then a JSON snapshot with 1% changed, 1% new and 1% absent. Kestrel's own body limit is
/// lowered below the body size to prove the endpoint lifts it to Mailing's.
/// </summary>
public sealed class LargeSnapshotOverHttpTests(PostgresServer server)
{
    private const int Members = 100_000;

    [Fact]
    public async Task A_100k_member_snapshot_reconciles_over_http_as_ndjson_and_as_json()
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = await server.GetDatabaseAsync("large_http");
        await using var app = new SampleAppFactory(services => services.Configure<KestrelServerOptions>(k => k.Limits.MaxRequestBodySize = 1024 * 1024));
        await using var host = app.WithWebHostBuilder(b => b.UseSetting("Sample:Store", "postgres").UseSetting("ConnectionStrings:Mailing", connectionString)
            .UseSetting("urls", "http://127.0.0.1:0"));
        host.UseKestrel(0);
        host.StartServer();
        using var http = new HttpClient { BaseAddress = host.ClientOptions.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("X-Api-Key", SampleAppFactory.AcmeKey);

        var ndjson = new StringBuilder();
        for (var i = 0; i < Members; i++)
        {
            ndjson.Append("{\"sourceObjectKey\":\"src:").Append(i).Append("\",\"email\":\"user").Append(i).Append("@example.com\"}\n");
        }

        using var first = new StringContent(ndjson.ToString(), Encoding.UTF8, "application/x-ndjson");
        var created = await (await http.PostAsync(new Uri("/api/recipient-lists/big/reconcile?listType=course_registrants", UriKind.Relative), first, ct)).JsonAsync();

        // 1% absent (0..999), 1% changed (1000..1999), 1% new (100000..100999).
        var snapshot = Enumerable.Range(1000, Members - 1000)
            .Select(i => new { sourceObjectKey = $"src:{i}", email = i < 2000 ? $"changed{i}@example.com" : $"user{i}@example.com" })
            .Concat(Enumerable.Range(Members, 1000).Select(i => new { sourceObjectKey = $"src:{i}", email = $"user{i}@example.com" }));
        using var second = new StringContent(JsonSerializer.Serialize(new { members = snapshot, removeAbsent = true }), Encoding.UTF8, "application/json");
        var response = await http.PostAsync(new Uri("/api/recipient-lists/big/reconcile", UriKind.Relative), second, ct);
        var reconciled = await response.JsonAsync();

        Assert.Equal(Members, created.GetProperty("counts").GetProperty("added").GetInt32());
        var counts = reconciled.GetProperty("counts");
        Assert.Equal((Members, 98_000, 1000, 1000, 1000),
            (counts.GetProperty("received").GetInt32(), counts.GetProperty("unchanged").GetInt32(), counts.GetProperty("updated").GetInt32(),
             counts.GetProperty("added").GetInt32(), counts.GetProperty("removed").GetInt32()));
        Assert.True(reconciled.GetProperty("itemsSummarized").GetBoolean());
        Assert.Equal(2000, reconciled.GetProperty("items").GetArrayLength()); // updated and removed; added and unchanged are counted only
        var list = reconciled.GetProperty("list");
        Assert.Equal((101_000, 100_000), (list.GetProperty("memberCount").GetInt32(), list.GetProperty("activeMemberCount").GetInt32()));

        var removed = await (await http.GetAsync(new Uri("/api/recipient-lists/big/members?active=false&limit=3", UriKind.Relative), ct)).JsonAsync();
        var changed = await (await http.GetAsync(new Uri("/api/recipient-lists/big/members?cursor=" + Cursor("src:150") + "&limit=1", UriKind.Relative), ct)).JsonAsync();
        Assert.Equal(["src:0", "src:1", "src:10"], removed.GetProperty("items").Strings("sourceObjectKey"));
        Assert.Equal("changed1500@example.com", changed.GetProperty("items")[0].GetProperty("email").GetString());
    }

    private static string Cursor(string afterKey) => Convert.ToBase64String(Encoding.UTF8.GetBytes(afterKey)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
