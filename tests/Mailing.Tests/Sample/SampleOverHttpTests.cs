using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mailing.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace Mailing.Tests.Sample;

/// <summary>The README walkthrough against the sample on a real Kestrel port on 127.0.0.1.</summary>
public sealed class SampleOverHttpTests : IAsyncLifetime
{
    private readonly SampleAppFactory _app = new();
    private HttpClient _http = null!;

    public ValueTask InitializeAsync()
    {
        _app.UseKestrel(0);
        _app.StartServer();
        var address = _app.ClientOptions.BaseAddress;
        Assert.Equal("127.0.0.1", address.Host);
        _http = new HttpClient { BaseAddress = address };
        _http.DefaultRequestHeaders.Add("X-Api-Key", SampleAppFactory.AcmeKey);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task The_readme_walkthrough_creates_a_list_upserts_members_and_reconciles_with_a_dry_run()
    {
        var ct = TestContext.Current.CancellationToken;

        var created = await _http.PutAsJsonAsync("/api/recipient-lists/homework-submitters:ml-zoomcamp-2026:homework-1",
            new { type = "homework_submitters", name = "ML Zoomcamp 2026 - Homework 1" }, ct);
        var member = await _http.PutAsJsonAsync("/api/recipient-lists/homework-submitters:ml-zoomcamp-2026:homework-1/members/homework-submission:123",
            new { email = "alice@example.com", name = "Alice" }, ct);
        var bulk = await _http.PostAsJsonAsync("/api/recipient-lists/homework-submitters:ml-zoomcamp-2026:homework-1/members/bulk-upsert",
            new { members = new[] { new { sourceObjectKey = "homework-submission:124", email = "bob@example.com" }, new { sourceObjectKey = "homework-submission:125", email = "carol@example.com" } } }, ct);
        var dryRun = await _http.PostAsJsonAsync("/api/recipient-lists/homework-submitters:ml-zoomcamp-2026:homework-1/reconcile",
            new { members = new[] { new { sourceObjectKey = "homework-submission:123", email = "alice@example.com" } }, dryRun = true, removeAbsent = true }, ct);
        var list = await _http.GetFromJsonAsync<JsonElement>("/api/recipient-lists/homework-submitters:ml-zoomcamp-2026:homework-1", ct);

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.OK],
            new[] { created.StatusCode, member.StatusCode, bulk.StatusCode, dryRun.StatusCode });
        var dry = await dryRun.Content.ReadFromJsonAsync<JsonElement>(ct);
        Assert.Equal(2, dry.GetProperty("counts").GetProperty("removed").GetInt32());
        Assert.Equal((3, 3, 0), (list.GetProperty("memberCount").GetInt32(), list.GetProperty("activeMemberCount").GetInt32(), list.GetProperty("removedMemberCount").GetInt32()));
    }
}

/// <summary>The sample with Sample:Store = postgres.</summary>
public sealed class SampleOnPostgresTests(PostgresServer server)
{
    [Fact]
    public async Task The_sample_stores_lists_in_postgresql_when_configured()
    {
        var connectionString = await server.GetDatabaseAsync("sample");
        await using var factory = new SampleAppFactory();
        await using var app = factory.WithWebHostBuilder(b => b
            .UseSetting("Sample:Store", "postgres")
            .UseSetting("ConnectionStrings:Mailing", connectionString));
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", SampleAppFactory.AcmeKey);

        var response = await client.PutAsJsonAsync("/api/recipient-lists/pg-list/members/k1", new { email = "ann@example.com" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM mailing_recipient_list_members WHERE client_id = 'acme'", connection);
        Assert.Equal(1L, await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }
}
