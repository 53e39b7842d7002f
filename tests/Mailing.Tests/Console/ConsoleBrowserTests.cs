using System.Net.Http.Json;
using System.Text.Json;
using Mailing.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Playwright;

namespace Mailing.Tests.Console;

/// <summary>
/// The sample on a real loopback port, driven by Debian's headless Chromium through Playwright: what an operator does
/// in the console. The tests save screenshots of the main pages (docs/screenshots when MAILING_UPDATE_SCREENSHOTS=1).
/// </summary>
public sealed partial class ConsoleBrowserTests : IAsyncLifetime
{
    private const float Timeout = 20_000;

    private readonly SampleAppFactory _app = new();
    private HttpClient _acme = null!;
    private HttpClient _globex = null!;
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private Uri _base = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _app.UseKestrel(0);
        _app.StartServer();
        _base = _app.ClientOptions.BaseAddress;
        _acme = Client(SampleAppFactory.AcmeKey);
        _globex = Client(SampleAppFactory.GlobexKey);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.Path(),
            Headless = true,
            Timeout = 60_000,
            Args = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }

        _playwright?.Dispose();
        _acme.Dispose();
        _globex.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public async Task An_operator_signs_in_composes_a_campaign_whose_count_follows_the_audience_and_sends_it_to_completion()
    {
        await MembersAsync(_acme, "newsletter", ("alice@example.com", "Alice", "vip"), ("bob@example.com", "Bob", null), ("carol@example.com", "Carol", null));
        var page = await SignedInPageAsync(SampleAppFactory.AcmeKey, 1280, 800);

        await page.GetByRole(AriaRole.Link, new() { Name = "New campaign" }).ClickAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("December newsletter");
        await page.GetByLabel("Subject", new() { Exact = true }).FillAsync("News for {{ contact.name }}");
        await page.GetByLabel("Body", new() { Exact = true }).FillAsync("Hello {{ contact.name }}, here is what happened in December.");
        var count = page.GetByTestId("recipient-count");
        await Assertions.Expect(count).ToContainTextAsync("Choose who receives this", new() { Timeout = Timeout });

        await page.GetByTestId("list-picker").GetByRole(AriaRole.Checkbox).First.CheckAsync();
        await Assertions.Expect(count).ToHaveTextAsync("3 recipients will receive this", new() { Timeout = Timeout });
        await page.GetByLabel("Tags (any of, comma-separated)").FillAsync("vip");
        await Assertions.Expect(count).ToHaveTextAsync("1 recipient will receive this", new() { Timeout = Timeout });
        await page.GetByLabel("Tags (any of, comma-separated)").FillAsync("");
        await Assertions.Expect(count).ToHaveTextAsync("3 recipients will receive this", new() { Timeout = Timeout });
        await page.GetByLabel("Contact email for the preview").FillAsync("carol@example.com");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save and preview" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("preview")).ToContainTextAsync("Hello Carol, here is what happened in December.", new() { Timeout = Timeout });
        await ScreenshotAsync(page, "console-compose.png", fullPage: true);

        await page.GetByTestId("send-now").ClickAsync();
        await Assertions.Expect(page.GetByTestId("campaign-status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("count-sent")).ToContainTextAsync("3", new() { Timeout = Timeout });
        await Assertions.Expect(page.GetByTestId("progress-label")).ToContainTextAsync("3 of 3 done (100%)", new() { Timeout = Timeout });
        await Assertions.Expect(page.GetByTestId("chart")).ToBeVisibleAsync(new() { Timeout = Timeout });
        await Assertions.Expect(page.GetByTestId("deliveries")).ToContainTextAsync("alice@example.com", new() { Timeout = Timeout });
        await Assertions.Expect(page.GetByTestId("deliveries").GetByRole(AriaRole.Row)).ToHaveCountAsync(1 + 3, new() { Timeout = Timeout });
        await ScreenshotAsync(page, "console-campaign.png", fullPage: true);

        await page.GotoAsync(Url("/console/#/campaigns?tab=completed"));
        await Assertions.Expect(page.GetByTestId("campaigns")).ToContainTextAsync("December newsletter", new() { Timeout = Timeout });
        await ScreenshotAsync(page, "console-campaigns.png", fullPage: false);
        await page.GotoAsync(Url("/console/#/lists/newsletter"));
        await Assertions.Expect(page.GetByTestId("members")).ToContainTextAsync("carol@example.com", new() { Timeout = Timeout });
        await ScreenshotAsync(page, "console-list.png", fullPage: false);

        var phone = await SignedInPageAsync(SampleAppFactory.AcmeKey, 390, 844);
        await phone.GotoAsync(page.Url.Replace("#/lists/newsletter", "#/campaigns?tab=completed", StringComparison.Ordinal));
        await phone.GetByRole(AriaRole.Link, new() { Name = "December newsletter" }).ClickAsync();
        await Assertions.Expect(phone.GetByTestId("count-sent")).ToContainTextAsync("3", new() { Timeout = Timeout });
        await ScreenshotAsync(phone, "console-campaign-phone.png", fullPage: false);
    }

    [Fact]
    public async Task An_action_the_server_refuses_shows_its_reason()
    {
        await MembersAsync(_acme, "customers", ("dan@example.com", "Dan", null));
        var id = await DraftAsync(_acme, "Stale draft", "customers");
        var page = await SignedInPageAsync(SampleAppFactory.AcmeKey, 1280, 800);
        await page.GotoAsync(Url($"/console/#/campaigns/{id}"));
        await Assertions.Expect(page.GetByTestId("campaign-status")).ToHaveTextAsync("draft", new() { Timeout = Timeout });

        // Another operator sends it meanwhile; this page still offers Delete.
        (await _acme.PostAsync(new Uri($"/api/campaigns/{id}/send-now", UriKind.Relative), null, Ct)).EnsureSuccessStatusCode();
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();

        var banner = page.GetByTestId("banner");
        await Assertions.Expect(banner).ToBeVisibleAsync(new() { Timeout = Timeout });
        await Assertions.Expect(banner).ToContainTextAsync("Refused:", new() { Timeout = Timeout });
        await Assertions.Expect(banner).ToContainTextAsync("deleted", new() { Timeout = Timeout });
        await ScreenshotAsync(page, "console-refused.png", fullPage: false);
    }

    [Fact]
    public async Task Another_clients_data_appears_nowhere_in_the_console()
    {
        await MembersAsync(_globex, "globex-secret-list", ("secret@globex.example", "Globex Person", "globex-tag"));
        var globexCampaign = await DraftAsync(_globex, "Globex secret campaign", "globex-secret-list");
        await MembersAsync(_acme, "acme-list", ("erin@example.com", "Erin", null));
        await DraftAsync(_acme, "Acme visible campaign", "acme-list");
        var page = await SignedInPageAsync(SampleAppFactory.AcmeKey, 1280, 800);
        await Assertions.Expect(page.GetByTestId("client")).ToHaveTextAsync("client acme", new() { Timeout = Timeout });

        string[] views = ["#/campaigns?tab=upcoming", "#/campaigns?tab=sending", "#/campaigns?tab=completed", "#/campaigns?tab=ended", "#/lists", "#/contacts", "#/contacts?by=email&q=secret%40globex.example"];
        foreach (var view in views)
        {
            await page.GotoAsync(Url("/console/" + view));
            await Assertions.Expect(page.Locator("table")).ToBeVisibleAsync(new() { Timeout = Timeout });
            await Assertions.Expect(page.Locator("table tbody tr").First).ToBeVisibleAsync(new() { Timeout = Timeout });
            var text = await page.Locator("body").InnerTextAsync();
            Assert.DoesNotContain("globex", text.Replace("client acme", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        }

        await page.GotoAsync(Url("/console/#/campaigns?tab=upcoming"));
        await Assertions.Expect(page.GetByTestId("campaigns")).ToContainTextAsync("Acme visible campaign", new() { Timeout = Timeout });
        await page.GotoAsync(Url($"/console/#/campaigns/{globexCampaign}"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not found" })).ToBeVisibleAsync(new() { Timeout = Timeout });
        await page.GotoAsync(Url("/console/#/lists/globex-secret-list"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not found" })).ToBeVisibleAsync(new() { Timeout = Timeout });
    }

    private async Task<IPage> SignedInPageAsync(string apiKey, int width, int height)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, BaseURL = _base.ToString() });
        context.SetDefaultTimeout(Timeout);
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url("/console/"));
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/console/login"), new() { Timeout = Timeout });
        await page.GetByLabel("API key").FillAsync(apiKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Campaigns" })).ToBeVisibleAsync(new() { Timeout = Timeout });
        return page;
    }

    private string Url(string path) => new Uri(_base, path).ToString();

    private HttpClient Client(string key)
    {
        var client = new HttpClient { BaseAddress = _base };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    private static async Task MembersAsync(HttpClient client, string list, params (string Email, string Name, string? Tag)[] people)
    {
        foreach (var (email, name, tag) in people)
        {
            var contact = await client.PostAsJsonAsync("/api/contacts", new { email, name, tags = tag is null ? Array.Empty<string>() : [tag] }, Ct);
            contact.EnsureSuccessStatusCode();
        }

        var members = people.Select((p, i) => new { sourceObjectKey = $"{list}:{i}", email = p.Email, name = p.Name }).ToArray();
        (await client.PostAsJsonAsync($"/api/recipient-lists/{list}/members/bulk-upsert", new { list = new { type = "newsletter", name = list }, members }, Ct)).EnsureSuccessStatusCode();
    }

    private static async Task<string> DraftAsync(HttpClient client, string name, string list)
    {
        var response = await client.PostAsJsonAsync("/api/campaigns", new { name, channel = "email", subjectTemplate = "Hi", bodyTemplate = "Hello {{ contact.name }}", audience = new { lists = new[] { list } } }, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;
    }

    private static async Task ScreenshotAsync(IPage page, string name, bool fullPage)
    {
        var bytes = await page.ScreenshotAsync(new PageScreenshotOptions { FullPage = fullPage, Animations = ScreenshotAnimations.Disabled });
        var folder = Environment.GetEnvironmentVariable("MAILING_UPDATE_SCREENSHOTS") == "1" && RepositoryRoot() is { } root
            ? Path.Combine(root, "docs", "screenshots")
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, name), bytes, Ct);
    }

    private static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mailing.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}

/// <summary>Where the browser tests find Chromium: <c>MAILING_CHROMIUM</c>, else Debian's <c>/usr/bin/chromium</c>.</summary>
internal static class Chromium
{
    public static string Path()
    {
        var path = Environment.GetEnvironmentVariable("MAILING_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        return File.Exists(path)
            ? path
            : throw new InvalidOperationException(
                $"The console's browser tests need Chromium at {path} and found none. On Debian/Ubuntu: sudo apt-get install -y chromium " +
                "(.ci/run installs it), or set MAILING_CHROMIUM to a Chromium executable. Playwright's own browser download is not used.");
    }
}
