using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mailing.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace Mailing.Tests.Sample;

/// <summary>The sample with Sample:Transport = smtp, sending a campaign to a real SMTP server on 127.0.0.1.</summary>
public sealed class SampleSmtpTransportTests
{
    private static readonly string[] CourseList = ["course"];

    [Fact]
    public async Task The_sample_sends_a_campaign_through_smtp_when_configured()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var smtp = await TestSmtpServer.StartAsync();
        await using var factory = new SampleAppFactory();
        await using var app = factory.WithWebHostBuilder(b => b
            .UseSetting("Sample:Transport", "smtp")
            .UseSetting("Sample:Smtp:Host", "127.0.0.1")
            .UseSetting("Sample:Smtp:Port", smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .UseSetting("Sample:Smtp:From", "school@example.com"));
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", SampleAppFactory.AcmeKey);

        var member = await client.PutAsJsonAsync("/api/recipient-lists/course/members/k1", new { email = "ann@example.com", name = "Ann" }, ct);
        var created = await client.PostAsJsonAsync("/api/campaigns", new
        {
            name = "Start", channel = "email", stream = "operational", subjectTemplate = "Hi {{ contact.name }}",
            bodyTemplate = "<p>The course starts Monday.</p>", audience = new { lists = CourseList },
        }, ct);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString();
        var started = await client.PostAsync(new Uri($"/api/campaigns/{id}/send-now", UriKind.Relative), null, ct);

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.OK], new[] { member.StatusCode, created.StatusCode, started.StatusCode });
        for (var i = 0; i < 300 && smtp.Messages.Count == 0; i++)
        {
            await Task.Delay(100, ct);
        }

        var received = Assert.Single(smtp.Messages).Message();
        Assert.Equal("Hi Ann", received.Subject);
        Assert.Equal("school@example.com", received.From.Mailboxes.Single().Address);
    }
}
