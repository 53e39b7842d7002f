using System.Net;
using System.Net.Http.Json;
using Mailing.Tests.Infrastructure;
using static Mailing.Tests.AspNetCore.RecipientListEndpointTests;
using static Mailing.Tests.Infrastructure.SampleAppFactory;

namespace Mailing.Tests.AspNetCore;

/// <summary>Keys in the path are percent-decoded once, on a real Kestrel port (which leaves <c>%2F</c> encoded in the path).</summary>
public sealed class RouteKeyTests : IAsyncLifetime
{
    private readonly SampleAppFactory _app = new();
    private HttpClient _http = null!;

    public ValueTask InitializeAsync()
    {
        _app.UseKestrel(0);
        _app.StartServer();
        _http = new HttpClient { BaseAddress = _app.ClientOptions.BaseAddress };
        _http.DefaultRequestHeaders.Add("X-Api-Key", AcmeKey);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task An_encoded_slash_in_a_list_key_is_a_slash_and_refused()
    {
        var response = await _http.PutAsJsonAsync("/api/recipient-lists/a%2Fb", new { type = "t" }, TestContext.Current.CancellationToken);

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("key", out _), problem.ToString());
    }

    [Fact]
    public async Task A_list_key_holding_the_text_percent_2F_has_one_url_only()
    {
        var ct = TestContext.Current.CancellationToken;
        var created = await _http.PutAsJsonAsync("/api/recipient-lists/a%252Fb", new { type = "t" }, ct);

        var other = await _http.GetAsync(new Uri("/api/recipient-lists/a%2Fb", UriKind.Relative), ct);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("a%2Fb", (await created.JsonAsync()).GetProperty("key").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
    }

    [Fact]
    public async Task An_encoded_slash_in_a_source_key_is_a_slash()
    {
        var response = await _http.PutAsJsonAsync("/api/recipient-lists/l/members/submission%2F42", new { email = "a@example.com" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("submission/42", (await response.JsonAsync()).GetProperty("sourceObjectKey").GetString());
    }
}
