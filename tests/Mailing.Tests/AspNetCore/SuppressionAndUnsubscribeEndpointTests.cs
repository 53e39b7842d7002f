using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mailing.AspNetCore.Unsubscribe;
using Mailing.Dispatch;
using Mailing.Events;
using Mailing.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mailing.Tests.AspNetCore;

/// <summary>Suppressions, delivery events and one-click unsubscribe over HTTP, through the sample host.</summary>
public sealed class SuppressionAndUnsubscribeEndpointTests : SampleClientsTest
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_suppression_is_put_read_listed_and_deleted_per_client()
    {
        var put = await Acme.PutJsonAsync("/api/suppressions/Ann@Example.com", new { reason = "manual" });
        var read = await Acme.GetUrlAsync("/api/suppressions/ann@example.com");
        var other = await Globex.GetUrlAsync("/api/suppressions/ann@example.com");
        var list = await (await Acme.GetUrlAsync("/api/suppressions?limit=10")).JsonAsync();
        var deleted = await Acme.DeleteAsync(new Uri("/api/suppressions/ann@example.com", UriKind.Relative), Ct);
        var again = await Acme.DeleteAsync(new Uri("/api/suppressions/ann@example.com", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal("address", (await put.JsonAsync()).GetProperty("scope").GetString());
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(["ann@example.com"], list.GetProperty("items").Strings("address"));
        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound), (deleted.StatusCode, again.StatusCode));
    }

    [Fact]
    public async Task Deleting_with_a_stream_lifts_only_that_streams_rule()
    {
        await Acme.PutJsonAsync("/api/suppressions/ann@example.com", new { stream = "bulk" });
        await Acme.PutJsonAsync("/api/suppressions/ann@example.com", new { stream = "operational" });
        await Acme.PutJsonAsync("/api/suppressions/ann@example.com", new { });

        var bulk = await Acme.DeleteAsync(new Uri("/api/suppressions/ann@example.com?stream=bulk", UriKind.Relative), Ct);
        var bulkAgain = await Acme.DeleteAsync(new Uri("/api/suppressions/ann@example.com?stream=bulk", UriKind.Relative), Ct);
        var everyStream = await Acme.DeleteAsync(new Uri("/api/suppressions/ann@example.com?scope=address", UriKind.Relative), Ct);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NotFound, HttpStatusCode.NoContent), (bulk.StatusCode, bulkAgain.StatusCode, everyStream.StatusCode));
        Assert.Contains("no bulk-stream rule", (await bulkAgain.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        var left = Assert.Single((await (await Acme.GetUrlAsync("/api/suppressions/ann@example.com")).JsonAsync()).EnumerateArray());
        Assert.Equal(("address_stream", "operational"), (left.GetProperty("scope").GetString(), left.GetProperty("stream").GetString()));
    }

    [Fact]
    public async Task Lifting_a_stream_rule_leaves_a_contact_suppressed_by_hand_suppressed()
    {
        var created = await (await Acme.PostJsonAsync("/api/contacts", new { email = "zoe@example.com", status = "suppressed" })).JsonAsync();
        await Acme.PutJsonAsync("/api/suppressions/zoe@example.com", new { stream = "bulk" });

        var lifted = await Acme.DeleteAsync(new Uri("/api/suppressions/zoe@example.com?stream=bulk", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.NoContent, lifted.StatusCode);
        var contact = await (await Acme.GetUrlAsync($"/api/contacts/{created.GetProperty("id").GetString()}")).JsonAsync();
        Assert.Equal("suppressed", contact.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("?scope=nowhere", "scope")]
    [InlineData("?stream=loud", "stream")]
    [InlineData("?scope=domain", "scope")]
    [InlineData("?scope=address&stream=bulk", "stream")]
    [InlineData("?stream=bulk", "stream", "example.com")]
    public async Task Deleting_a_rule_that_cannot_exist_is_a_problem_naming_the_field_and_deletes_nothing(string query, string field, string address = "ann@example.com")
    {
        object rule = address.Contains('@', StringComparison.Ordinal) ? new { stream = "bulk" } : new { };
        await Acme.PutJsonAsync($"/api/suppressions/{address}", rule);

        var response = await Acme.DeleteAsync(new Uri($"/api/suppressions/{address}{query}", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
        Assert.Single((await (await Acme.GetUrlAsync($"/api/suppressions/{address}")).JsonAsync()).EnumerateArray());
    }

    [Fact]
    public async Task An_invalid_suppression_is_a_problem_naming_the_field_and_writes_nothing()
    {
        var badAddress = await Acme.PutJsonAsync("/api/suppressions/not%20an%20address", new { });
        var badStream = await Acme.PutJsonAsync("/api/suppressions/ann@example.com", new { scope = "address_stream" });

        Assert.Equal(HttpStatusCode.BadRequest, badAddress.StatusCode);
        Assert.True((await badAddress.JsonAsync()).GetProperty("errors").TryGetProperty("address", out _));
        Assert.True((await badStream.JsonAsync()).GetProperty("errors").TryGetProperty("stream", out _));
        Assert.Empty((await (await Acme.GetUrlAsync("/api/suppressions")).JsonAsync()).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task A_batch_of_events_gets_one_outcome_per_event()
    {
        var response = await Acme.PostJsonAsync("/api/delivery-events", new
        {
            events = new object[]
            {
                new { provider = "mailgun", providerEventId = "a", type = "delivered", timestamp = "2026-12-01T08:00:00Z", providerMessageId = "unknown@x" },
                new { provider = "mailgun", providerEventId = "b", type = "exploded", timestamp = "2026-12-01T08:00:00Z", providerMessageId = "unknown@x" },
                new { provider = "mailgun", type = "opened", timestamp = "2026-12-01T08:00:00Z", providerMessageId = "unknown@x" },
            },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await response.JsonAsync()).GetProperty("items");
        Assert.Equal(["orphaned", "rejected", "rejected"], items.Strings("outcome"));
        Assert.True(items[2].GetProperty("errors").TryGetProperty("providerEventId", out _));
    }

    [Fact]
    public async Task Another_clients_delivery_history_is_not_found()
    {
        var response = await Globex.GetUrlAsync($"/api/campaigns/{Guid.CreateVersion7()}/deliveries/{Guid.CreateVersion7()}/events");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task One_click_unsubscribe_suppresses_operational_and_bulk_mail_idempotently()
    {
        using var anonymous = App.CreateClient();
        var url = Relative(Link("acme", "ann@example.com"));

        var page = await anonymous.GetAsync(url, Ct);
        var first = await anonymous.PostAsync(url, OneClick(), Ct);
        var second = await anonymous.PostAsync(url, OneClick(), Ct);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (page.StatusCode, first.StatusCode, second.StatusCode));
        Assert.Contains("ann@example.com", await page.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        var rules = await (await Acme.GetUrlAsync("/api/suppressions/ann@example.com")).JsonAsync();
        Assert.Equal(["bulk", "operational"], rules.EnumerateArray().Select(r => r.GetProperty("stream").GetString()).Order());
    }

    [Theory]
    [InlineData("tampered")]
    [InlineData("forged")]
    [InlineData("other-client")]
    public async Task A_bad_unsubscribe_token_is_rejected_and_changes_nothing(string kind)
    {
        using var anonymous = App.CreateClient();
        var good = Link("acme", "ann@example.com");
        var token = good.Query["?token=".Length..];
        var url = kind switch
        {
            "tampered" => new Uri($"{good.GetLeftPart(UriPartial.Path)}?token={token[..^6]}{(token[^6] == 'A' ? 'B' : 'A')}{token[^5..]}"),
            "forged" => new Uri($"{good.GetLeftPart(UriPartial.Path)}?token=CfDJ8{new string('x', 80)}"),
            _ => new Uri(good.AbsoluteUri.Replace("/unsubscribe/acme?", "/unsubscribe/globex?", StringComparison.Ordinal)),
        };

        var response = await anonymous.PostAsync(Relative(url), OneClick(), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Acme.GetUrlAsync("/api/suppressions/ann@example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Globex.GetUrlAsync("/api/suppressions/ann@example.com")).StatusCode);
    }

    [Fact]
    public void An_expired_unsubscribe_token_is_rejected()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tokens = new UnsubscribeTokens(new EphemeralDataProtectionProvider(),
            Options.Create(new OneClickUnsubscribeOptions { BaseUrl = new Uri("https://mail.example/u"), TokenLifetime = TimeSpan.FromDays(1) }), clock);
        var token = tokens.Protect("acme", new UnsubscribeTicket("ann@example.com", Guid.CreateVersion7(), MessageStream.Bulk));

        clock.Advance(TimeSpan.FromDays(2));

        Assert.Null(tokens.Unprotect("acme", token));
    }

    [Fact]
    public void A_mailgun_webhook_with_a_valid_signature_is_normalized_and_a_forged_one_refused()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));
        var normalizer = new MailgunWebhookNormalizer(Options.Create(new MailgunWebhookOptions { SigningKey = "key-1" }), clock);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData("key-1"u8, Encoding.UTF8.GetBytes(timestamp + "tok")));
        string Body(string sig) => JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["signature"] = new { timestamp, token = "tok", signature = sig },
            ["event-data"] = new Dictionary<string, object>
            {
                ["id"] = "ev-1", ["event"] = "failed", ["severity"] = "permanent", ["reason"] = "bounce", ["timestamp"] = 1796112000.5,
                ["recipient"] = "ann@example.com", ["message"] = new { headers = new Dictionary<string, string> { ["message-id"] = "abc@school.example" } },
                ["delivery-status"] = new { code = 550, message = "No such user" },
            },
        });

        var good = normalizer.Normalize(new WebhookRequest(new Dictionary<string, string>(), Encoding.UTF8.GetBytes(Body(signature))));
        var forged = normalizer.Normalize(new WebhookRequest(new Dictionary<string, string>(), Encoding.UTF8.GetBytes(Body(new string('0', 64)))));

        var e = Assert.Single(good.Events);
        Assert.Equal((DeliveryEventType.Bounced, "abc@school.example", "550 No such user"), (e.Type!.Value, e.ProviderMessageId!, e.MtaResponse!));
        Assert.NotNull(forged.Error);
        Assert.Empty(forged.Events);
    }

    private Uri Link(string clientId, string recipient)
    {
        var links = App.Services.GetRequiredService<IListUnsubscribeLinks>();
        var url = links.Create(new OutboundMessage
        {
            DeliveryId = Guid.CreateVersion7(), CampaignId = Guid.CreateVersion7(), ClientId = clientId, ContactId = Guid.CreateVersion7(),
            Channel = MessageChannel.Email, Stream = MessageStream.Bulk, Address = recipient, Body = "x", IdempotencyKey = "k",
        })!.OneClickUrl;
        return url;
    }

    private static Uri Relative(Uri url) => new(url.PathAndQuery, UriKind.Relative);

    private static FormUrlEncodedContent OneClick() => new([new KeyValuePair<string, string>("List-Unsubscribe", "One-Click")]);
}
