using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Mailing.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Mailing.Tests.Console;

/// <summary>How the sample serves the console: sign-in, caching, request-forgery check, and the API beside it.</summary>
public sealed partial class ConsoleHostingTests : SampleClientsTest
{
    private static readonly string[] TimelineList = ["timeline"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_sign_in_the_console_redirects_to_the_form_and_the_api_still_answers_401()
    {
        using var anonymous = App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        var console = await anonymous.GetUrlAsync("/console/");
        var api = await anonymous.GetUrlAsync("/api/recipient-lists");

        Assert.Equal(HttpStatusCode.Redirect, console.StatusCode);
        Assert.StartsWith("/console/login", console.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
    }

    [Fact]
    public async Task The_page_names_the_api_and_its_assets_are_cached_by_etag()
    {
        var page = await Acme.GetUrlAsync("/console/");
        var html = await page.Content.ReadAsStringAsync(Ct);
        var script = ScriptUrl().Match(html).Groups[1].Value;
        var asset = await Acme.GetUrlAsync(script);
        using var again = new HttpRequestMessage(HttpMethod.Get, script);
        again.Headers.IfNoneMatch.Add(asset.Headers.ETag!);
        var revalidated = await Acme.SendAsync(again, Ct);

        Assert.Contains("\"api\":\"/api\"", html, StringComparison.Ordinal);
        Assert.Equal("no-cache", page.Headers.CacheControl!.ToString());
        Assert.Contains("immutable", asset.Headers.CacheControl!.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Acme.GetUrlAsync("/console/assets/nothing.js")).StatusCode);
    }

    [Fact]
    public async Task A_cookie_session_reads_its_clients_data_but_writes_only_with_the_console_header()
    {
        using var browser = App.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        await Acme.PutJsonAsync("/api/recipient-lists/cookie-list", new { type = "t" });
        var form = await (await browser.GetUrlAsync("/console/login")).Content.ReadAsStringAsync(Ct);
        var token = TokenField().Match(form);
        var wrongKey = await browser.PostAsync(new Uri("/console/login", UriKind.Relative), Form(token, "not-a-key"), Ct);
        var signIn = await browser.PostAsync(new Uri("/console/login", UriKind.Relative), Form(token, SampleAppFactory.AcmeKey), Ct);

        var read = await browser.GetUrlAsync("/api/recipient-lists/cookie-list");
        var session = await (await browser.GetUrlAsync("/console/session")).JsonAsync();
        var forged = await browser.PutAsJsonAsync("/api/recipient-lists/forged", new { type = "t" }, Ct);
        using var console = new HttpRequestMessage(HttpMethod.Put, "/api/recipient-lists/from-console") { Content = JsonContent.Create(new { type = "t" }) };
        console.Headers.Add("X-Mailing-Console", "1");
        var allowed = await browser.SendAsync(console, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("acme", session.GetProperty("clientId").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
    }

    [Fact]
    public async Task The_timeline_counts_a_campaigns_sends_per_bucket_and_refuses_an_unknown_bucket()
    {
        await Acme.PutJsonAsync("/api/recipient-lists/timeline", new { type = "t" });
        await Acme.PutJsonAsync("/api/recipient-lists/timeline/members/k1", new { email = "tim@example.com" });
        var response = await Acme.PostJsonAsync("/api/campaigns", new { name = "T", channel = "email", subjectTemplate = "Hi", bodyTemplate = "Hi", audience = new { lists = TimelineList } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
        var created = await response.JsonAsync();
        var id = created.GetProperty("id").GetString();
        await Acme.PostAsync(new Uri($"/api/campaigns/{id}/send-now", UriKind.Relative), null, Ct);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        System.Text.Json.JsonElement timeline;
        do
        {
            await Task.Delay(100, Ct);
            timeline = await (await Acme.GetUrlAsync($"/api/campaigns/{id}/timeline?bucket=hour")).JsonAsync();
        }
        while (timeline.GetProperty("points").GetArrayLength() == 0 && DateTime.UtcNow < deadline);

        var point = Assert.Single(timeline.GetProperty("points").EnumerateArray());
        Assert.Equal("hour", timeline.GetProperty("bucket").GetString());
        Assert.Equal(1, point.GetProperty("sent").GetInt64());
        Assert.Equal(0, point.GetProperty("at").GetDateTimeOffset().Minute);
        Assert.Equal(HttpStatusCode.BadRequest, (await Acme.GetUrlAsync($"/api/campaigns/{id}/timeline?bucket=week")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Globex.GetUrlAsync($"/api/campaigns/{id}/timeline")).StatusCode);
    }

    private static FormUrlEncodedContent Form(Match token, string key) => new(new Dictionary<string, string>
    {
        [token.Groups[1].Value] = WebUtility.HtmlDecode(token.Groups[2].Value),
        ["apiKey"] = key,
        ["returnUrl"] = "/console/",
    });

    [GeneratedRegex("src=\"([^\"]+app\\.js[^\"]*)\"")]
    private static partial Regex ScriptUrl();

    [GeneratedRegex("name=\"(__RequestVerificationToken)\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
