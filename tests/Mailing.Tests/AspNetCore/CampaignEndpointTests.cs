using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mailing.AspNetCore;
using Mailing.AspNetCore.Campaigns;
using Mailing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Mailing.Tests.AspNetCore.RecipientListEndpointTests;

namespace Mailing.Tests.AspNetCore;

/// <summary>The campaign endpoints, driven through the sample host (TestServer, SQLite file, log transport).</summary>
public sealed class CampaignEndpointTests : SampleClientsTest
{
    private static readonly DateTimeOffset Tomorrow = DateTimeOffset.UtcNow.AddDays(1);

    // ---- create, read, list -----------------------------------------------------------------

    [Fact]
    public async Task Post_campaign_with_a_start_creates_it_scheduled_with_201_and_a_location()
    {
        await MembersAsync("customers", 1);

        var response = await Acme.PostJsonAsync("/api/campaigns", Campaign(startAt: Tomorrow, sendWindow: new { from = "09:00", to = "21:00" }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var campaign = await response.JsonAsync();
        Assert.Equal("scheduled", campaign.GetProperty("status").GetString());
        Assert.Equal("email", campaign.GetProperty("channel").GetString());
        Assert.Equal("bulk", campaign.GetProperty("stream").GetString());
        Assert.Equal("09:00", campaign.GetProperty("sendWindow").GetProperty("from").GetString());
        Assert.Equal(Of("customers"), campaign.GetProperty("audience").GetProperty("lists").EnumerateArray().Select(l => l.GetString()));
        Assert.EndsWith($"/api/campaigns/{campaign.GetProperty("id").GetString()}", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        var fetched = await (await Acme.GetUrlAsync(response.Headers.Location!.ToString())).JsonAsync();
        Assert.Equal("Spring sale", fetched.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Post_campaign_without_a_start_creates_a_draft()
    {
        await MembersAsync("customers", 1);

        var campaign = await CreateAsync(Campaign());

        Assert.Equal("draft", campaign.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, campaign.GetProperty("startAt").ValueKind);
    }

    [Fact]
    public async Task Campaigns_are_listed_newest_first_by_status_with_a_cursor()
    {
        await MembersAsync("customers", 1);
        var draft = Id(await CreateAsync(Campaign(name: "a")));
        var older = Id(await CreateAsync(Campaign(name: "b", startAt: Tomorrow)));
        var newer = Id(await CreateAsync(Campaign(name: "c", startAt: Tomorrow)));

        var first = await (await Acme.GetUrlAsync("/api/campaigns?status=scheduled&limit=1")).JsonAsync();
        var second = await (await Acme.GetUrlAsync($"/api/campaigns?status=scheduled&limit=1&cursor={first.GetProperty("nextCursor").GetString()}")).JsonAsync();
        var drafts = await (await Acme.GetUrlAsync("/api/campaigns?status=draft")).JsonAsync();

        Assert.Equal([newer], first.GetProperty("items").Strings("id"));
        Assert.Equal([older], second.GetProperty("items").Strings("id"));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("nextCursor").ValueKind);
        Assert.Equal([draft], drafts.GetProperty("items").Strings("id"));
    }

    [Fact]
    public async Task Another_clients_campaign_is_404_on_every_route_and_absent_from_its_listings()
    {
        await MembersAsync("customers", 1);
        var id = Id(await CreateAsync(Campaign(startAt: Tomorrow)));
        var contact = await ContactAsync(Globex, "Gus");

        var responses = new[]
        {
            await Globex.GetUrlAsync($"/api/campaigns/{id}"),
            await PatchAsync(Globex, $"/api/campaigns/{id}", new { name = "mine" }),
            await Globex.DeleteAsync(new Uri($"/api/campaigns/{id}", UriKind.Relative), TestContext.Current.CancellationToken),
            await PostAsync(Globex, $"/api/campaigns/{id}/schedule"),
            await PostAsync(Globex, $"/api/campaigns/{id}/send-now"),
            await PostAsync(Globex, $"/api/campaigns/{id}/cancel"),
            await PostAsync(Globex, $"/api/campaigns/{id}/retry-failed"),
            await Globex.PostJsonAsync($"/api/campaigns/{id}/preview", new { contactId = contact }),
            await Globex.GetUrlAsync($"/api/campaigns/{id}/deliveries"),
            await Globex.GetUrlAsync($"/api/campaigns/{id}/stats"),
        };
        var listing = await (await Globex.GetUrlAsync("/api/campaigns")).JsonAsync();
        var stats = await (await Globex.GetUrlAsync("/api/campaigns/stats")).JsonAsync();

        foreach (var response in responses)
        {
            await AssertProblem(response, HttpStatusCode.NotFound);
        }

        Assert.Empty(listing.GetProperty("items").EnumerateArray());
        Assert.Empty(stats.GetProperty("items").EnumerateArray());
        Assert.Equal("scheduled", (await (await Acme.GetUrlAsync($"/api/campaigns/{id}")).JsonAsync()).GetProperty("status").GetString());
    }

    // ---- edit and delete --------------------------------------------------------------------

    [Fact]
    public async Task Patch_with_null_clears_end_at_and_absent_fields_keep_their_value()
    {
        await MembersAsync("customers", 1);
        var created = await CreateAsync(Campaign(startAt: Tomorrow, endAt: Tomorrow.AddHours(2), sendWindow: new { from = "09:00", to = "21:00" }));

        var response = await PatchAsync(Acme, $"/api/campaigns/{Id(created)}", new { endAt = (object?)null, name = "Renamed", sendWindow = new { to = "22:00" } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var patched = await response.JsonAsync();
        Assert.Equal("Renamed", patched.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, patched.GetProperty("endAt").ValueKind);
        Assert.Equal(created.GetProperty("startAt").GetDateTimeOffset(), patched.GetProperty("startAt").GetDateTimeOffset());
        Assert.Equal(created.GetProperty("bodyTemplate").GetString(), patched.GetProperty("bodyTemplate").GetString());
        Assert.Equal(("09:00", "22:00"), (patched.GetProperty("sendWindow").GetProperty("from").GetString(), patched.GetProperty("sendWindow").GetProperty("to").GetString()));
        Assert.Equal("scheduled", patched.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Patch_clearing_the_start_turns_a_scheduled_campaign_into_a_draft()
    {
        await MembersAsync("customers", 1);
        var id = Id(await CreateAsync(Campaign(startAt: Tomorrow)));

        var patched = await (await PatchAsync(Acme, $"/api/campaigns/{id}", new { startAt = (object?)null })).JsonAsync();

        Assert.Equal("draft", patched.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Patch_of_the_status_is_a_400_pointing_to_the_action_routes()
    {
        await MembersAsync("customers", 1);
        var id = Id(await CreateAsync(Campaign()));

        var response = await PatchAsync(Acme, $"/api/campaigns/{id}", new { status = "cancelled" });

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("status", out _));
        Assert.Equal("draft", (await (await Acme.GetUrlAsync($"/api/campaigns/{id}")).JsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Patch_and_delete_of_a_sending_campaign_are_409s_naming_both_statuses()
    {
        var id = await SendingCampaignAsync();

        var patch = await PatchAsync(Acme, $"/api/campaigns/{id}", new { name = "too late" });
        var delete = await Acme.DeleteAsync(new Uri($"/api/campaigns/{id}", UriKind.Relative), TestContext.Current.CancellationToken);

        foreach (var response in new[] { patch, delete })
        {
            var detail = (await AssertProblem(response, HttpStatusCode.Conflict)).GetProperty("detail").GetString()!;
            Assert.Contains("sending", detail, StringComparison.Ordinal);
            Assert.Contains("draft", detail, StringComparison.Ordinal);
        }

        Assert.Equal("Spring sale", (await (await Acme.GetUrlAsync($"/api/campaigns/{id}")).JsonAsync()).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Delete_removes_a_draft_with_204()
    {
        await MembersAsync("customers", 1);
        var id = Id(await CreateAsync(Campaign()));

        var delete = await Acme.DeleteAsync(new Uri($"/api/campaigns/{id}", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        await AssertProblem(await Acme.GetUrlAsync($"/api/campaigns/{id}"), HttpStatusCode.NotFound);
    }

    // ---- actions ----------------------------------------------------------------------------

    [Fact]
    public async Task Schedule_moves_a_draft_to_scheduled_at_the_given_start()
    {
        await MembersAsync("customers", 1);
        var id = Id(await CreateAsync(Campaign()));

        var response = await Acme.PostJsonAsync($"/api/campaigns/{id}/schedule", new { startAt = Tomorrow });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var campaign = await response.JsonAsync();
        Assert.Equal("scheduled", campaign.GetProperty("status").GetString());
        Assert.Equal(Tomorrow.ToUnixTimeMilliseconds(), campaign.GetProperty("startAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task Schedule_without_a_body_keeps_the_campaigns_own_start()
    {
        await MembersAsync("customers", 1);
        var created = await CreateAsync(Campaign(startAt: Tomorrow));

        var response = await PostAsync(Acme, $"/api/campaigns/{Id(created)}/schedule");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var campaign = await response.JsonAsync();
        Assert.Equal("scheduled", campaign.GetProperty("status").GetString());
        Assert.Equal(created.GetProperty("startAt").GetDateTimeOffset(), campaign.GetProperty("startAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Send_now_pause_resume_and_cancel_walk_a_campaign_through_its_statuses()
    {
        var id = await SendingCampaignAsync();

        var paused = await (await PostAsync(Acme, $"/api/campaigns/{id}/pause")).JsonAsync();
        var resumed = await (await PostAsync(Acme, $"/api/campaigns/{id}/resume")).JsonAsync();
        var cancelled = await (await PostAsync(Acme, $"/api/campaigns/{id}/cancel")).JsonAsync();
        var stats = await (await Acme.GetUrlAsync($"/api/campaigns/{id}/stats")).JsonAsync();

        Assert.Equal("paused", paused.GetProperty("status").GetString());
        Assert.Equal("sending", resumed.GetProperty("status").GetString());
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal(0, stats.GetProperty("deliveries").GetProperty("sent").GetInt64());
    }

    [Theory]
    [InlineData("pause", "draft", "sending")]
    [InlineData("resume", "draft", "paused")]
    [InlineData("retry-failed", "draft", "completed")]
    [InlineData("send-now", "cancelled", "draft")]
    [InlineData("schedule", "cancelled", "draft")]
    [InlineData("cancel", "cancelled", "sending")]
    public async Task An_action_the_status_does_not_allow_is_a_409_naming_both_statuses(string action, string status, string needed)
    {
        await MembersAsync("customers", 1);
        var id = Id(await CreateAsync(Campaign()));
        if (status == "cancelled")
        {
            await PostAsync(Acme, $"/api/campaigns/{id}/cancel");
        }

        var response = await PostAsync(Acme, $"/api/campaigns/{id}/{action}");

        var problem = await AssertProblem(response, HttpStatusCode.Conflict);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains(status, detail, StringComparison.Ordinal);
        Assert.Contains(needed, detail, StringComparison.Ordinal);
        Assert.True(problem.GetProperty("errors").TryGetProperty("status", out _));
        Assert.Equal(status, (await (await Acme.GetUrlAsync($"/api/campaigns/{id}")).JsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Send_now_with_the_log_transport_completes_and_the_stats_count_every_message_sent()
    {
        await MembersAsync("customers", 2);
        var id = Id(await CreateAsync(Campaign()));

        var sent = await PostAsync(Acme, $"/api/campaigns/{id}/send-now");
        var completed = await WaitForStatusAsync(id, "completed");
        var stats = await (await Acme.GetUrlAsync($"/api/campaigns/{id}/stats")).JsonAsync();

        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.NotEqual(JsonValueKind.Null, completed.GetProperty("finishedAt").ValueKind);
        Assert.Equal(id, stats.GetProperty("campaignId").GetString());
        Assert.Equal("completed", stats.GetProperty("status").GetString());
        Assert.Equal(2, stats.GetProperty("total").GetInt64());
        Assert.Equal(2, stats.GetProperty("deliveries").GetProperty("sent").GetInt64());
        Assert.Equal(
            Of("queued", "deferred", "sending", "sent", "failed", "expired", "cancelled", "suppressed"),
            stats.GetProperty("deliveries").EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, stats.GetProperty("attempts").GetInt64());
        Assert.True(stats.GetProperty("firstSentAt").GetDateTimeOffset() <= stats.GetProperty("lastSentAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Retry_failed_answers_the_requeued_count_and_the_campaign()
    {
        var id = await CompletedCampaignAsync(members: 1);

        var response = await PostAsync(Acme, $"/api/campaigns/{id}/retry-failed");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.JsonAsync();
        Assert.Equal(0, json.GetProperty("requeued").GetInt64());
        Assert.Equal(id, json.GetProperty("campaign").GetProperty("id").GetString());
        Assert.Equal("completed", json.GetProperty("campaign").GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_sample_serves_the_dispatch_meter_in_prometheus_text_at_metrics()
    {
        await CompletedCampaignAsync(members: 1);

        var response = await Acme.GetUrlAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("mailing_deliveries", text, StringComparison.Ordinal);
        Assert.Contains("status=\"sent\"", text, StringComparison.Ordinal);
    }

    // ---- deliveries, statistics, preview ----------------------------------------------------

    [Fact]
    public async Task Deliveries_are_listed_by_status_with_a_cursor()
    {
        var id = await CompletedCampaignAsync(members: 2);

        var first = await (await Acme.GetUrlAsync($"/api/campaigns/{id}/deliveries?status=sent&limit=1")).JsonAsync();
        var second = await (await Acme.GetUrlAsync($"/api/campaigns/{id}/deliveries?status=sent&limit=1&cursor={first.GetProperty("nextCursor").GetString()}")).JsonAsync();
        var failed = await (await Acme.GetUrlAsync($"/api/campaigns/{id}/deliveries?status=failed")).JsonAsync();

        var delivery = first.GetProperty("items")[0];
        Assert.Equal(id, delivery.GetProperty("campaignId").GetString());
        Assert.Equal("sent", delivery.GetProperty("status").GetString());
        Assert.Equal("example.com", delivery.GetProperty("recipientDomain").GetString());
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        Assert.False(string.IsNullOrEmpty(delivery.GetProperty("idempotencyKey").GetString()));
        Assert.NotEqual(JsonValueKind.Null, delivery.GetProperty("sentAt").ValueKind);
        Assert.Equal(("dispatched", false, JsonValueKind.Null), (delivery.GetProperty("lastEventType").GetString(), delivery.GetProperty("terminal").GetBoolean(), delivery.GetProperty("deliveredAt").ValueKind));
        Assert.Single(second.GetProperty("items").EnumerateArray());
        Assert.NotEqual(delivery.GetProperty("recipient").GetString(), second.GetProperty("items")[0].GetProperty("recipient").GetString());
        Assert.Empty(failed.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Campaign_stats_list_every_campaign_with_its_deliveries_counted_by_status()
    {
        var sent = await CompletedCampaignAsync(members: 2);
        var draft = Id(await CreateAsync(Campaign(name: "draft")));

        var response = await Acme.GetUrlAsync("/api/campaigns/stats");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await response.JsonAsync()).GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("campaignId").GetString()!);
        Assert.Equal(2, items[sent].GetProperty("deliveries").GetProperty("sent").GetInt64());
        Assert.Equal("completed", items[sent].GetProperty("status").GetString());
        Assert.Equal(0, items[draft].GetProperty("total").GetInt64());
        Assert.Equal("draft", items[draft].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Preview_renders_the_template_for_a_contact_created_over_http()
    {
        var contact = await ContactAsync(Acme, "Ann");
        var id = Id(await CreateAsync(Campaign(audience: new { tags = Of("vip") }, subjectTemplate: "For {{ contact.name }}")));

        var response = await Acme.PostJsonAsync($"/api/campaigns/{id}/preview", new { contactId = contact });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = await response.JsonAsync();
        Assert.Equal(contact, message.GetProperty("contactId").GetString());
        Assert.Equal("ann@example.com", message.GetProperty("recipient").GetString());
        Assert.Equal("For Ann", message.GetProperty("subject").GetString());
        Assert.Equal("Hello Ann", message.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Preview_without_a_contact_id_is_a_400_naming_it()
    {
        await MembersAsync("customers", 1);
        var id = Id(await CreateAsync(Campaign()));

        var response = await Acme.PostJsonAsync($"/api/campaigns/{id}/preview", new { });

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("contactId", out _));
    }

    // ---- invalid requests -------------------------------------------------------------------

    [Theory]
    [InlineData("name")]
    [InlineData("endAt")]
    [InlineData("channel")]
    [InlineData("sendWindow.from")]
    [InlineData("audience.lists[0]")]
    [InlineData("bodyTemplate")]
    public async Task An_invalid_campaign_is_a_400_naming_the_field_and_writes_nothing(string field)
    {
        await MembersAsync("customers", 1);
        var body = field switch
        {
            "name" => Campaign(name: null),
            "endAt" => Campaign(startAt: Tomorrow, endAt: Tomorrow),
            "channel" => Campaign(channel: "fax"),
            "sendWindow.from" => Campaign(sendWindow: new { from = "25:00", to = "21:00" }),
            "audience.lists[0]" => Campaign(audience: new { lists = Of("no-such-list") }),
            _ => Campaign(bodyTemplate: "Hello {{ contact.name "),
        };

        var response = await Acme.PostJsonAsync("/api/campaigns", body);

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Empty((await (await Acme.GetUrlAsync("/api/campaigns")).JsonAsync()).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Malformed_campaign_json_is_a_400_naming_the_field()
    {
        using var content = new StringContent("""{"name":"x","channel":"email","messagesPerSecond":"fast"}""", Encoding.UTF8, "application/json");

        var response = await Acme.PostAsync(new Uri("/api/campaigns", UriKind.Relative), content, TestContext.Current.CancellationToken);

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("messagesPerSecond", out _), problem.ToString());
    }

    [Fact]
    public async Task A_campaign_body_that_is_not_json_is_a_415()
    {
        using var content = new StringContent("name=x", Encoding.UTF8, "application/x-www-form-urlencoded");

        var response = await Acme.PostAsync(new Uri("/api/campaigns", UriKind.Relative), content, TestContext.Current.CancellationToken);

        await AssertProblem(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Theory]
    [InlineData("/api/campaigns?status=sent", "status")]
    [InlineData("/api/campaigns?limit=abc", "limit")]
    [InlineData("/api/campaigns/stats?limit=-1", "limit")]
    [InlineData("/api/campaigns/0190a1b2-0000-7000-8000-000000000001/deliveries?status=delivered", "status")]
    public async Task Invalid_query_values_are_400_problems_naming_the_parameter(string url, string field)
    {
        var response = await Acme.GetUrlAsync(url);

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Theory]
    [InlineData("GET", "/api/campaigns/not-a-guid")]
    [InlineData("PATCH", "/api/campaigns/not-a-guid")]
    [InlineData("DELETE", "/api/campaigns/42")]
    [InlineData("POST", "/api/campaigns/not-a-guid/send-now")]
    [InlineData("GET", "/api/campaigns/not-a-guid/deliveries")]
    public async Task A_campaign_id_that_is_not_a_guid_is_a_404_like_any_unknown_campaign(string method, string url)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(url, UriKind.Relative));

        var response = await Acme.SendAsync(request, TestContext.Current.CancellationToken);

        await AssertProblem(response, HttpStatusCode.NotFound);
    }

    // ---- authentication and documentation ---------------------------------------------------

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-key")]
    public async Task Requests_without_a_valid_api_key_are_401(string? key)
    {
        using var client = App.ClientFor(key);

        var list = await client.GetUrlAsync("/api/campaigns");
        var create = await client.PostJsonAsync("/api/campaigns", Campaign());

        await AssertProblem(list, HttpStatusCode.Unauthorized);
        await AssertProblem(create, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_user_without_the_client_claim_gets_a_403()
    {
        await using var app = new SampleAppFactory(services => services.Configure<MailingEndpointOptions>(o => o.ClientIdClaimType = "tenant"));
        using var client = app.ClientFor(SampleAppFactory.AcmeKey);

        var response = await client.GetUrlAsync("/api/campaigns");

        await AssertProblem(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_openapi_document_describes_every_campaign_endpoint_and_its_schemas()
    {
        using var anonymous = App.ClientFor(null);

        var document = await (await anonymous.GetUrlAsync("/openapi/v1.json")).JsonAsync();

        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => o.Value.GetProperty("operationId").GetString()))
            .ToHashSet();
        Assert.Superset(
            new HashSet<string?>
            {
                "CreateCampaign", "ListCampaigns", "ListCampaignStats", "GetCampaign", "UpdateCampaign", "DeleteCampaign",
                "ScheduleCampaign", "SendCampaignNow", "PauseCampaign", "ResumeCampaign", "CancelCampaign", "RetryFailedDeliveries",
                "PreviewCampaign", "ListCampaignDeliveries", "GetCampaignStats",
            },
            operations);
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var campaign = schemas.GetProperty("CampaignResponse").GetProperty("properties");
        Assert.True(campaign.TryGetProperty("sendWindow", out _));
        Assert.True(campaign.TryGetProperty("audience", out _));
        Assert.True(schemas.GetProperty("CampaignBody").GetProperty("properties").TryGetProperty("bodyTemplate", out _));
        Assert.True(schemas.GetProperty("DeliveryCounts").GetProperty("properties").TryGetProperty("suppressed", out _));
        Assert.True(schemas.GetProperty("DeliveryResponse").GetProperty("properties").TryGetProperty("idempotencyKey", out _));
        Assert.True(schemas.GetProperty("RetryFailedResponse").GetProperty("properties").TryGetProperty("requeued", out _));
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static object Campaign(
        string? name = "Spring sale",
        string channel = "email",
        string? subjectTemplate = "Hi",
        string bodyTemplate = "Hello {{ contact.name }}",
        object? audience = null,
        DateTimeOffset? startAt = null,
        DateTimeOffset? endAt = null,
        object? sendWindow = null,
        string? defaultTimeZone = null) =>
        new { name, channel, subjectTemplate, bodyTemplate, audience = audience ?? new { lists = Of("customers") }, startAt, endAt, sendWindow, defaultTimeZone };

    private static string[] Of(params string[] values) => values;

    private static string Id(JsonElement campaign) => campaign.GetProperty("id").GetString()!;

    private async Task<JsonElement> CreateAsync(object body)
    {
        var response = await Acme.PostJsonAsync("/api/campaigns", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.JsonAsync();
    }

    /// <summary>Puts <paramref name="count"/> contacts (member1@example.com, ...) in acme's list <paramref name="key"/>.</summary>
    private async Task MembersAsync(string key, int count)
    {
        var members = Enumerable.Range(1, count).Select(i => new { sourceObjectKey = $"m{i}", email = $"member{i}@example.com", name = $"Member {i}" }).ToArray();
        var response = await Acme.PostJsonAsync($"/api/recipient-lists/{key}/members/bulk-upsert", new { list = new { type = "customers" }, members });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<string> ContactAsync(HttpClient client, string name)
    {
        var response = await client.PostJsonAsync("/api/contacts", new { email = $"{name.ToLowerInvariant()}@example.com", name, tags = Of("vip") });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetString()!;
    }

    /// <summary>A campaign sent now whose send window is closed for hours, so it stays <c>sending</c>.</summary>
    private async Task<string> SendingCampaignAsync()
    {
        await MembersAsync("customers", 1);
        var opens = DateTime.UtcNow.AddHours(6);
        var window = new { from = opens.ToString("HH:mm", CultureInfo.InvariantCulture), to = opens.AddMinutes(1).ToString("HH:mm", CultureInfo.InvariantCulture) };
        var id = Id(await CreateAsync(Campaign(sendWindow: window, defaultTimeZone: "UTC")));
        var response = await PostAsync(Acme, $"/api/campaigns/{id}/send-now");
        Assert.Equal("sending", (await response.JsonAsync()).GetProperty("status").GetString());
        return id;
    }

    /// <summary>A campaign to <paramref name="members"/> members of a list, sent now and polled until completed.</summary>
    private async Task<string> CompletedCampaignAsync(int members)
    {
        await MembersAsync("customers", members);
        var id = Id(await CreateAsync(Campaign()));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Acme, $"/api/campaigns/{id}/send-now")).StatusCode);
        await WaitForStatusAsync(id, "completed");
        return id;
    }

    /// <summary>Polls the campaign until it reaches <paramref name="status"/>, for at most ten seconds.</summary>
    private async Task<JsonElement> WaitForStatusAsync(string id, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var campaign = await (await Acme.GetUrlAsync($"/api/campaigns/{id}")).JsonAsync();
            if (campaign.GetProperty("status").GetString() == status || DateTime.UtcNow > deadline)
            {
                Assert.Equal(status, campaign.GetProperty("status").GetString());
                return campaign;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string url) =>
        client.PostAsync(new Uri(url, UriKind.Relative), content: null, TestContext.Current.CancellationToken);

    private static Task<HttpResponseMessage> PatchAsync(HttpClient client, string url, object patch)
    {
        var content = JsonContent.Create(patch, mediaType: new("application/merge-patch+json"));
        return client.PatchAsync(new Uri(url, UriKind.Relative), content, TestContext.Current.CancellationToken);
    }
}

/// <summary>What the campaign endpoints do on the wire before Core sees a request: merge patches, send-window text, enum numbers.</summary>
public sealed class CampaignEndpointWireTests
{
    private static readonly DateTimeOffset At = new(2026, 5, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    [Fact]
    public void A_merge_patch_keeps_absent_fields_clears_nulls_and_merges_objects_member_by_member()
    {
        var patch = Patch("""{"endAt": null, "name": "Renamed", "sendWindow": {"to": "22:00"}, "metadata": {"a": null, "c": 3}, "audience": {"lists": ["b"]}}""");

        var body = CampaignPatch.Apply(Scheduled(), patch, Web);

        Assert.Equal("Renamed", body.Name);
        Assert.Null(body.EndAt);
        Assert.Equal(At, body.StartAt);
        Assert.Equal("Hello {{ contact.name }}", body.BodyTemplate);
        Assert.Equal(new CampaignSendWindow("09:00", "22:00"), body.SendWindow);
        Assert.Equal("""{"b":2,"c":3}""", body.Metadata!.Value.GetRawText());
        Assert.Equal("b", Assert.Single(body.Audience!.Lists!));
        Assert.Equal("vip", Assert.Single(body.Audience.Tags!));
    }

    [Fact]
    public void A_merge_patch_follows_the_hosts_naming_policy()
    {
        var snake = new JsonSerializerOptions(Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

        var body = CampaignPatch.Apply(Scheduled(), Patch("""{"end_at": null, "send_window": {"from": "08:30"}}"""), snake);

        Assert.Null(body.EndAt);
        Assert.Equal(new CampaignSendWindow("08:30", "21:00"), body.SendWindow);
    }

    [Fact]
    public void A_merge_patch_matches_member_names_case_insensitively_like_the_web_defaults()
    {
        var body = CampaignPatch.Apply(Scheduled(), Patch("""{"EndAt": null, "SENDWINDOW": {"To": "22:00"}}"""), Web);

        Assert.Null(body.EndAt);
        Assert.Equal(new CampaignSendWindow("09:00", "22:00"), body.SendWindow);
    }

    [Fact]
    public void A_merge_patch_that_changes_the_status_is_rejected_and_one_repeating_it_is_not()
    {
        var change = Assert.Throws<MailingValidationException>(() => CampaignPatch.Apply(Scheduled(), Patch("""{"status": "cancelled"}"""), Web));
        var same = CampaignPatch.Apply(Scheduled(), Patch("""{"status": "scheduled", "name": "Same status"}"""), Web);

        Assert.Equal(["Status"], change.Errors.Keys);
        Assert.Equal("Same status", same.Name);
    }

    [Theory]
    [InlineData("25:00")]
    [InlineData("9:00")]
    [InlineData("09:00:00")]
    [InlineData("noon")]
    [InlineData(null)]
    public void A_send_window_time_that_is_not_HH_mm_is_rejected_naming_its_end(string? from)
    {
        var body = new CampaignBody(Name: "x", SendWindow: new CampaignSendWindow(from, "21:00"));

        var error = Assert.Throws<MailingValidationException>(body.ToInput);

        Assert.Equal(["SendWindow.From"], error.Errors.Keys);
    }

    [Fact]
    public void Send_window_times_become_local_times_of_day()
    {
        var input = new CampaignBody(SendWindow: new CampaignSendWindow("22:00", "06:30")).ToInput();

        Assert.Equal(new SendWindow(new TimeOnly(22, 0), new TimeOnly(6, 30)), input.SendWindow);
    }

    [Fact]
    public void An_enum_number_that_names_no_channel_or_stream_is_rejected_naming_the_field()
    {
        var body = new CampaignBody(Channel: (MessageChannel)9, Stream: (MessageStream)7);

        var error = Assert.Throws<MailingValidationException>(body.ToInput);

        Assert.Equal(["Channel", "Stream"], error.Errors.Keys);
    }

    private static JsonObject Patch(string json) => JsonNode.Parse(json)!.AsObject();

    private static Campaign Scheduled() => new()
    {
        Id = Guid.CreateVersion7(),
        ClientId = "acme",
        Name = "Spring sale",
        Channel = MessageChannel.Email,
        Stream = MessageStream.Bulk,
        BodyTemplate = "Hello {{ contact.name }}",
        Audience = new AudienceSelection { Lists = ["a"], Tags = ["vip"] },
        StartAt = At,
        EndAt = At.AddHours(2),
        SendWindow = new SendWindow(new TimeOnly(9, 0), new TimeOnly(21, 0)),
        Metadata = JsonSerializer.SerializeToElement(new { a = 1, b = 2 }),
        Status = CampaignStatus.Scheduled,
        CreatedAt = At,
        UpdatedAt = At,
    };
}
