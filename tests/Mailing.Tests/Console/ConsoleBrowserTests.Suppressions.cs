using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mailing.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Mailing.Tests.Console;

/// <summary>The suppressions screen and a delivery's events, in the browser.</summary>
public sealed partial class ConsoleBrowserTests
{
    [Fact]
    public async Task An_operator_adds_a_suppression_finds_it_sees_it_listed_and_removes_it()
    {
        await SuppressAsync(_acme, "bounced@example.org", new { reason = "hard_bounce" });
        await SuppressAsync(_acme, "spam-trap.example", new { reason = "policy" });
        await SuppressAsync(_acme, "ann@example.com", new { stream = "bulk", reason = "unsubscribe" });
        var page = await SignedInPageAsync(SampleAppFactory.AcmeKey, 1280, 800);
        await page.GetByRole(AriaRole.Link, new() { Name = "Suppressions" }).ClickAsync();
        var table = page.GetByTestId("suppressions");
        await Assertions.Expect(table).ToContainTextAsync("bounced@example.org", new() { Timeout = Timeout });

        await page.GetByLabel("Address or domain", new() { Exact = true }).FillAsync("Frank@Example.com");
        await page.GetByLabel("Scope", new() { Exact = true }).SelectOptionAsync("address_stream");
        await page.GetByLabel("Stream", new() { Exact = true }).SelectOptionAsync("operational");
        await page.GetByLabel("Expires", new() { Exact = true }).FillAsync("2031-01-15T09:30");
        await page.GetByRole(AriaRole.Button, new() { Name = "Suppress", Exact = true }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("banner")).ToContainTextAsync("frank@example.com is suppressed", new() { Timeout = Timeout });
        await Assertions.Expect(table).ToContainTextAsync("address · operational", new() { Timeout = Timeout });
        var stored = Assert.Single((await (await _acme.GetAsync(new Uri("/api/suppressions/frank@example.com", UriKind.Relative), Ct)).Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray());
        Assert.Equal(("address_stream", "operational", "manual"), (stored.GetProperty("scope").GetString(), stored.GetProperty("stream").GetString(), stored.GetProperty("reason").GetString()));
        Assert.Equal(2031, stored.GetProperty("expiresAt").GetDateTimeOffset().Year);

        await page.GetByRole(AriaRole.Link, new() { Name = "Show all" }).ClickAsync();
        await Assertions.Expect(table.GetByRole(AriaRole.Row)).ToHaveCountAsync(1 + 4, new() { Timeout = Timeout });
        await Assertions.Expect(table).ToContainTextAsync("frank@example.com", new() { Timeout = Timeout });
        await ScreenshotAsync(page, "console-suppressions.png", fullPage: false);

        await page.GetByLabel("Find an address or domain").FillAsync("frank@example.com");
        await page.GetByLabel("Find an address or domain").PressAsync("Enter");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Suppressions of frank@example.com" })).ToBeVisibleAsync(new() { Timeout = Timeout });
        await Assertions.Expect(table.GetByRole(AriaRole.Row)).ToHaveCountAsync(1 + 1, new() { Timeout = Timeout });

        page.Dialog += (_, dialog) => dialog.AcceptAsync();

        // A second rule of the same address: removing one row lifts that rule only.
        await SuppressAsync(_acme, "frank@example.com", new { stream = "bulk" });
        await page.GetByLabel("Find an address or domain").PressAsync("Enter");
        await Assertions.Expect(table.GetByRole(AriaRole.Row)).ToHaveCountAsync(1 + 2, new() { Timeout = Timeout });
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove frank@example.com (address · bulk)" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("banner")).ToContainTextAsync("1 other rule is stored", new() { Timeout = Timeout });
        await Assertions.Expect(table.GetByRole(AriaRole.Row)).ToHaveCountAsync(1 + 1, new() { Timeout = Timeout });
        Assert.Equal("operational", Assert.Single((await (await _acme.GetAsync(new Uri("/api/suppressions/frank@example.com", UriKind.Relative), Ct))
            .Content.ReadFromJsonAsync<JsonElement>(Ct)).EnumerateArray()).GetProperty("stream").GetString());

        await page.GetByRole(AriaRole.Button, new() { Name = "Remove frank@example.com" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("banner")).ToContainTextAsync("frank@example.com is no longer suppressed", new() { Timeout = Timeout });
        await Assertions.Expect(table).Not.ToContainTextAsync("frank@example.com", new() { Timeout = Timeout });
        Assert.Equal(HttpStatusCode.NotFound, (await _acme.GetAsync(new Uri("/api/suppressions/frank@example.com", UriKind.Relative), Ct)).StatusCode);

        var phone = await SignedInPageAsync(SampleAppFactory.AcmeKey, 390, 844);
        await phone.GotoAsync(Url("/console/#/suppressions"));
        await Assertions.Expect(phone.GetByTestId("suppressions")).ToContainTextAsync("spam-trap.example", new() { Timeout = Timeout });
        await ScreenshotAsync(phone, "console-suppressions-phone.png", fullPage: true);
    }

    [Fact]
    public async Task A_suppression_of_something_that_is_no_address_shows_the_servers_reason_and_stores_nothing()
    {
        var page = await SignedInPageAsync(SampleAppFactory.AcmeKey, 1280, 800);
        await page.GotoAsync(Url("/console/#/suppressions"));
        await Assertions.Expect(page.GetByTestId("suppressions")).ToContainTextAsync("No suppressions", new() { Timeout = Timeout });

        await page.GetByLabel("Address or domain", new() { Exact = true }).FillAsync("not an address");
        await page.GetByRole(AriaRole.Button, new() { Name = "Suppress", Exact = true }).ClickAsync();

        var banner = page.GetByTestId("banner");
        await Assertions.Expect(banner).ToBeVisibleAsync(new() { Timeout = Timeout });
        await Assertions.Expect(banner).ToContainTextAsync("'not an address' is neither an email address nor a domain.", new() { Timeout = Timeout });
        await Assertions.Expect(page.Locator(".field-error[data-for='address']")).ToContainTextAsync("neither an email address nor a domain", new() { Timeout = Timeout });
        var list = await _acme.GetFromJsonAsync<JsonElement>(new Uri("/api/suppressions", UriKind.Relative), Ct);
        Assert.Empty(list.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_deliverys_events_show_in_its_delivery_view_with_their_reasons()
    {
        await MembersAsync(_acme, "events-list", ("grace@example.com", "Grace", null));
        var id = await DraftAsync(_acme, "Events campaign", "events-list");
        (await _acme.PostAsync(new Uri($"/api/campaigns/{id}/send-now", UriKind.Relative), null, Ct)).EnsureSuccessStatusCode();
        var page = await SignedInPageAsync(SampleAppFactory.AcmeKey, 1280, 800);
        await page.GotoAsync(Url($"/console/#/campaigns/{id}"));
        await Assertions.Expect(page.GetByTestId("campaign-status")).ToHaveTextAsync("completed", new() { Timeout = 30_000 });

        var deliveries = await _acme.GetFromJsonAsync<JsonElement>(new Uri($"/api/campaigns/{id}/deliveries", UriKind.Relative), Ct);
        var delivery = deliveries.GetProperty("items")[0].GetProperty("id").GetGuid();
        var now = DateTimeOffset.UtcNow;
        var ingest = await _acme.PostAsJsonAsync("/api/delivery-events", new
        {
            events = new object[]
            {
                new { provider = "mailgun", providerEventId = "ev-1", type = "deferred", timestamp = now.AddSeconds(1), deliveryId = delivery, description = "Mailbox full, retrying", mtaResponse = "452 4.2.2 Mailbox full" },
                new { provider = "mailgun", providerEventId = "ev-2", type = "delivered", timestamp = now.AddSeconds(2), deliveryId = delivery, mtaResponse = "250 2.0.0 OK queued as 7F3A" },
                new { provider = "mailgun", providerEventId = "ev-3", type = "opened", timestamp = now.AddSeconds(3), deliveryId = delivery },
            },
        }, Ct);
        ingest.EnsureSuccessStatusCode();
        Assert.Equal(["applied", "applied", "applied"], (await ingest.JsonAsync()).GetProperty("items").Strings("outcome"));

        // The deliveries table shows each delivery's last event once reloaded; its view shows the projection's times.
        await page.GetByRole(AriaRole.Button, new() { Name = "Refresh", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("deliveries").Locator("tbody tr:not(.detail) td:nth-child(4)")).ToHaveTextAsync(["opened"], new() { Timeout = Timeout });
        await page.GetByTestId("deliveries").GetByRole(AriaRole.Button, new() { Name = "grace@example.com" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("deliveries").Locator("tr.detail dl")).ToContainTextAsync("Delivered", new() { Timeout = Timeout });
        var events = page.GetByTestId("delivery-events");
        await Assertions.Expect(events.GetByRole(AriaRole.Row)).ToHaveCountAsync(1 + 4, new() { Timeout = Timeout });
        await Assertions.Expect(events.Locator("tbody tr td:nth-child(2)")).ToHaveTextAsync(["dispatched", "deferred", "delivered", "opened"], new() { Timeout = Timeout });
        await Assertions.Expect(events).ToContainTextAsync("Mailbox full, retrying", new() { Timeout = Timeout });
        await Assertions.Expect(events).ToContainTextAsync("452 4.2.2 Mailbox full", new() { Timeout = Timeout });
        await Assertions.Expect(events).ToContainTextAsync("250 2.0.0 OK queued as 7F3A", new() { Timeout = Timeout });
        await Assertions.Expect(page.GetByTestId("deliveries").Locator("tr.detail")).ToContainTextAsync("Last error", new() { Timeout = Timeout });
        await page.GetByRole(AriaRole.Heading, new() { Name = "Deliveries" }).EvaluateAsync("e => e.scrollIntoView({ block: 'start' })");
        await ScreenshotAsync(page, "console-delivery-events.png", fullPage: false);
    }

    [Fact]
    public async Task Another_clients_suppressions_appear_nowhere_on_the_suppressions_screen()
    {
        await SuppressAsync(_globex, "secret@globex.example", new { reason = "complaint" });
        await SuppressAsync(_globex, "globex-secret.example", new { reason = "policy" });
        for (var i = 0; i < 51; i++)
        {
            await SuppressAsync(_acme, $"acme-{i:00}@example.com", new { reason = "manual" });
        }

        var page = await SignedInPageAsync(SampleAppFactory.AcmeKey, 1280, 800);
        await page.GotoAsync(Url("/console/#/suppressions"));
        var table = page.GetByTestId("suppressions");
        await Assertions.Expect(table.GetByRole(AriaRole.Row)).ToHaveCountAsync(1 + 50, new() { Timeout = Timeout });
        await page.GetByRole(AriaRole.Button, new() { Name = "Load more" }).ClickAsync();
        await Assertions.Expect(table.GetByRole(AriaRole.Row)).ToHaveCountAsync(1 + 51, new() { Timeout = Timeout });
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Load more" })).ToBeHiddenAsync(new() { Timeout = Timeout });
        var text = await page.Locator("main").InnerTextAsync();
        Assert.DoesNotContain("globex", text, StringComparison.OrdinalIgnoreCase);

        foreach (var address in new[] { "secret@globex.example", "globex-secret.example" })
        {
            await page.GotoAsync(Url($"/console/#/suppressions?q={Uri.EscapeDataString(address)}"));
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Suppressions of {address}" })).ToBeVisibleAsync(new() { Timeout = Timeout });
            await Assertions.Expect(table.Locator("td.empty")).ToContainTextAsync(address, new() { Timeout = Timeout });
            await Assertions.Expect(table.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        }
    }

    private static async Task SuppressAsync(HttpClient client, string address, object body) =>
        (await client.PutAsJsonAsync($"/api/suppressions/{Uri.EscapeDataString(address)}", body, Ct)).EnsureSuccessStatusCode();
}
