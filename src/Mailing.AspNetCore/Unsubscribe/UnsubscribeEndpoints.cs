using System.Net;
using Mailing;
using Mailing.AspNetCore.Unsubscribe;
using Mailing.Events;
using Mailing.Suppressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Routing;

/// <summary>Maps the public one-click unsubscribe endpoint (RFC 8058).</summary>
public static class UnsubscribeEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET {pattern}/{clientId}?token=</c> (a small confirmation page) and <c>POST</c> to the same URL (RFC 8058
    /// one-click: unsubscribes without authentication, idempotently). The token is the one
    /// <c>AddOneClickUnsubscribe</c> puts in each operational and bulk message; a forged, tampered, expired or other
    /// client's token is answered 400 and changes nothing. Map it outside any authorization the API needs, at the
    /// URL of <see cref="OneClickUnsubscribeOptions.BaseUrl"/>.
    /// </summary>
    public static RouteGroupBuilder MapMailingUnsubscribe(this IEndpointRouteBuilder endpoints, string pattern = "/unsubscribe")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup(pattern).WithTags("Unsubscribe").AllowAnonymous();
        group.MapGet("/{clientId}", Confirm).WithName("UnsubscribePage").WithSummary("The unsubscribe confirmation page").ExcludeFromDescription();
        group.MapPost("/{clientId}", UnsubscribeAsync).WithName("UnsubscribeOneClick").WithSummary("One-click unsubscribe (RFC 8058)").DisableAntiforgery();
        return group;
    }

    private static ContentHttpResult Confirm(HttpContext http, string clientId, string? token)
    {
        var tokens = http.RequestServices.GetRequiredService<UnsubscribeTokens>();
        if (tokens.Unprotect(clientId, token) is not { } ticket)
        {
            return Page(StatusCodes.Status400BadRequest, "This unsubscribe link is not valid", "<p>The link is broken or has expired.</p>");
        }

        var action = WebUtility.HtmlEncode($"{http.Request.PathBase}{http.Request.Path}?token={Uri.EscapeDataString(token!)}");
        return Page(StatusCodes.Status200OK, "Unsubscribe", $"""
            <p>Stop sending newsletters and announcements to <strong>{WebUtility.HtmlEncode(ticket.Recipient)}</strong>?</p>
            <form method="post" action="{action}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>
            """);
    }

    private static async Task<ContentHttpResult> UnsubscribeAsync(HttpContext http, string clientId, string? token, CancellationToken cancellationToken)
    {
        var services = http.RequestServices;
        var tokens = services.GetRequiredService<UnsubscribeTokens>();
        if (tokens.Unprotect(clientId, token) is not { } ticket)
        {
            return Page(StatusCodes.Status400BadRequest, "This unsubscribe link is not valid", "<p>The link is broken or has expired. Nothing was changed.</p>");
        }

        var time = services.GetRequiredService<TimeProvider>();
        await services.GetRequiredService<ISuppressionService>()
            .SuppressAsync(clientId, ticket.Recipient, SuppressionReason.Unsubscribe, "one-click", cancellationToken).ConfigureAwait(false);
        await services.GetRequiredService<IDeliveryEventService>().IngestAsync(clientId,
        [
            new DeliveryEventInput
            {
                Provider = PipelineEvents.Provider,
                ProviderEventId = PipelineEvents.EventId(ticket.DeliveryId, DeliveryEventType.Unsubscribed),
                Type = DeliveryEventType.Unsubscribed,
                Timestamp = time.GetUtcNow(),
                DeliveryId = ticket.DeliveryId,
                Recipient = ticket.Recipient,
                Description = "One-click unsubscribe.",
            },
        ], cancellationToken).ConfigureAwait(false);
        return Page(StatusCodes.Status200OK, "You are unsubscribed", $"<p>{WebUtility.HtmlEncode(ticket.Recipient)} will get no more newsletters or announcements.</p>");
    }

    private static ContentHttpResult Page(int status, string title, string body) => TypedResults.Content($"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{title}</title></head>
        <body style="font-family:sans-serif;max-width:32rem;margin:3rem auto"><h1>{title}</h1>{body}</body></html>
        """, "text/html; charset=utf-8", statusCode: status);
}
