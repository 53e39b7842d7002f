using System.Text.Json.Nodes;
using Mailing.AspNetCore.Http;
using Mailing.Campaigns;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Mailing.AspNetCore.Campaigns;

/// <summary>The <c>/campaigns</c> endpoints: thin handlers that bind, call Core and map the result.</summary>
/// <remarks>
/// The service parameters say <c>[FromServices]</c> so a host that has not registered campaigns keeps every
/// other endpoint (minimal APIs would otherwise read an unregistered interface as the request body).
/// </remarks>
internal static class CampaignEndpoints
{
    private const string Tag = "Campaigns";

    private const string StatusRule = "409 when the campaign's status does not allow it; the problem's detail names the current status and the ones needed.";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var campaigns = endpoints.MapGroup("/campaigns").WithTags(Tag);

        campaigns.MapPost("/", CreateAsync)
            .WithName("CreateCampaign")
            .WithSummary("Create a campaign: scheduled when it has a startAt, else a draft")
            .WithDescription("Required: name, channel, bodyTemplate, audience (the JSON of POST /audiences/count). " +
                             "sendWindow is {\"from\": \"HH:mm\", \"to\": \"HH:mm\"} in each recipient's local time. " +
                             "Templates are Liquid ({{ contact.name }}) and are checked here: a syntax error is a 400 naming the template.")
            .Accepts<CampaignBody>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        campaigns.MapGet("/", ListAsync)
            .WithName("ListCampaigns")
            .WithSummary("List the client's campaigns, newest first, optionally by status")
            .WithDescription("Keyset-paged: pass nextCursor as ?cursor= for the next page. " +
                             "?status= is draft, scheduled, sending, paused, completed, cancelled, expired or failed.")
            .ProducesValidationProblem();

        campaigns.MapGet("/stats", ListStatsAsync)
            .WithName("ListCampaignStats")
            .WithSummary("Every campaign with its deliveries counted by status")
            .WithDescription("Newest first, keyset-paged like GET /campaigns. attempts, firstSentAt and lastSentAt are only in a campaign's own stats.")
            .ProducesValidationProblem();

        campaigns.MapGet("/{id:guid}", GetAsync)
            .WithName("GetCampaign")
            .WithSummary("Get a campaign")
            .ProducesProblem(StatusCodes.Status404NotFound);

        campaigns.MapPatch("/{id:guid}", PatchAsync)
            .WithName("UpdateCampaign")
            .WithSummary("Edit a draft or scheduled campaign (JSON merge patch)")
            .WithDescription("RFC 7396: absent fields keep their value, null clears an optional one, objects (audience, sendWindow, metadata) " +
                             "merge member by member, arrays are replaced. A campaign whose startAt is cleared becomes a draft; one given a " +
                             "startAt is scheduled. The status changes only through the action routes. " + StatusRule)
            .Accepts<CampaignBody>("application/merge-patch+json", "application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        campaigns.MapDelete("/{id:guid}", DeleteAsync)
            .WithName("DeleteCampaign")
            .WithSummary("Delete a draft or scheduled campaign")
            .WithDescription(StatusRule)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        campaigns.MapPost("/{id:guid}/schedule", ScheduleAsync)
            .WithName("ScheduleCampaign")
            .WithSummary("Schedule a draft, or reschedule a scheduled campaign")
            .WithDescription("Optional body {\"startAt\": \"…\"}; without it the campaign's own startAt is used. " + StatusRule)
            .Accepts<ScheduleBody>(isOptional: true, "application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        MapAction(campaigns, "send-now", "SendCampaignNow", "Start a draft or scheduled campaign now", (s, c, id, ct) => s.SendNowAsync(c, id, ct));
        MapAction(campaigns, "pause", "PauseCampaign", "Pause a sending campaign; deliveries in flight finish", (s, c, id, ct) => s.PauseAsync(c, id, ct));
        MapAction(campaigns, "resume", "ResumeCampaign", "Resume a paused campaign where it stood", (s, c, id, ct) => s.ResumeAsync(c, id, ct));
        MapAction(campaigns, "cancel", "CancelCampaign", "Cancel a draft, scheduled, sending or paused campaign; unsent deliveries are cancelled", (s, c, id, ct) => s.CancelAsync(c, id, ct));

        campaigns.MapPost("/{id:guid}/retry-failed", RetryFailedAsync)
            .WithName("RetryFailedDeliveries")
            .WithSummary("Queue the campaign's failed deliveries again")
            .WithDescription("Answers {requeued, campaign}: how many were queued, and the campaign afterwards " +
                             "(a completed campaign with requeued deliveries is sending again). " + StatusRule)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        campaigns.MapPost("/{id:guid}/preview", PreviewAsync)
            .WithName("PreviewCampaign")
            .WithSummary("Render the campaign's message for one contact, without sending it")
            .WithDescription("Body {\"contactId\": \"…\"}; 404 when the campaign or the contact does not exist.")
            .Accepts<PreviewBody>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        campaigns.MapGet("/{id:guid}/deliveries", ListDeliveriesAsync)
            .WithName("ListCampaignDeliveries")
            .WithSummary("List a campaign's deliveries, optionally by status")
            .WithDescription("In creation order, keyset-paged (?cursor=&limit=). " +
                             "?status= is queued, deferred, sending, sent, failed, expired, cancelled or suppressed.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        campaigns.MapGet("/{id:guid}/stats", GetStatsAsync)
            .WithName("GetCampaignStats")
            .WithSummary("A campaign's deliveries counted by status, with attempts and timings")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Created<CampaignResponse>> CreateAsync(
        HttpContext http, [FromServices] ICampaignService service, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonAsync<CampaignBody>(http.Request, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
        var campaign = await service.CreateAsync(http.ClientId(), body.ToInput(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Created($"{http.Request.PathBase}{http.Request.Path.Value?.TrimEnd('/')}/{campaign.Id}", CampaignResponse.From(campaign));
    }

    private static async Task<Ok<Page<CampaignResponse>>> ListAsync(
        HttpContext http, [FromServices] ICampaignService service, string? status, string? cursor, string? limit, CancellationToken cancellationToken)
    {
        var page = await service.ListAsync(
            http.ClientId(), WireEnum<CampaignStatus>.Parse(status, "Status"), cursor, QueryValues.Limit(limit), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(Map(page, CampaignResponse.From));
    }

    private static async Task<Ok<Page<CampaignStatsResponse>>> ListStatsAsync(
        HttpContext http, [FromServices] ICampaignService service, string? cursor, string? limit, CancellationToken cancellationToken)
    {
        var page = await service.ListStatsAsync(http.ClientId(), cursor, QueryValues.Limit(limit), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(Map(page, CampaignStatsResponse.From));
    }

    private static async Task<Results<Ok<CampaignResponse>, ProblemHttpResult>> GetAsync(
        HttpContext http, [FromServices] ICampaignService service, Guid id, CancellationToken cancellationToken)
    {
        var campaign = await service.FindAsync(http.ClientId(), id, cancellationToken).ConfigureAwait(false);
        return campaign is null ? NotFound(id) : TypedResults.Ok(CampaignResponse.From(campaign));
    }

    private static async Task<Results<Ok<CampaignResponse>, ProblemHttpResult>> PatchAsync(
        HttpContext http, [FromServices] ICampaignService service, IOptions<JsonOptions> json, Guid id, CancellationToken cancellationToken)
    {
        var options = json.Value.SerializerOptions;
        var patch = await RequestBody.ReadJsonAsync<JsonObject>(http.Request, options, cancellationToken).ConfigureAwait(false);
        var campaign = await service.FindAsync(http.ClientId(), id, cancellationToken).ConfigureAwait(false);
        if (campaign is null)
        {
            return NotFound(id);
        }

        var body = CampaignPatch.Apply(campaign, patch, options);
        var updated = await service.UpdateAsync(http.ClientId(), id, body.ToInput(), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(CampaignResponse.From(updated));
    }

    private static async Task<NoContent> DeleteAsync(HttpContext http, [FromServices] ICampaignService service, Guid id, CancellationToken cancellationToken)
    {
        await service.DeleteAsync(http.ClientId(), id, cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<CampaignResponse>> ScheduleAsync(
        HttpContext http, [FromServices] ICampaignService service, IOptions<JsonOptions> json, Guid id, CancellationToken cancellationToken)
    {
        var body = HasBody(http.Request)
            ? await RequestBody.ReadJsonAsync<ScheduleBody>(http.Request, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false)
            : null;
        var campaign = await service.ScheduleAsync(http.ClientId(), id, body?.StartAt, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(CampaignResponse.From(campaign));
    }

    private static void MapAction(
        RouteGroupBuilder campaigns, string action, string name, string summary, Func<ICampaignService, string, Guid, CancellationToken, Task<Campaign>> act) =>
        campaigns.MapPost($"/{{id:guid}}/{action}", async Task<Ok<CampaignResponse>> (HttpContext http, [FromServices] ICampaignService service, Guid id, CancellationToken cancellationToken) =>
                TypedResults.Ok(CampaignResponse.From(await act(service, http.ClientId(), id, cancellationToken).ConfigureAwait(false))))
            .WithName(name)
            .WithSummary(summary)
            .WithDescription(StatusRule)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Ok<RetryFailedResponse>> RetryFailedAsync(
        HttpContext http, [FromServices] ICampaignService service, Guid id, CancellationToken cancellationToken)
    {
        var requeued = await service.RetryFailedAsync(http.ClientId(), id, cancellationToken).ConfigureAwait(false);
        var campaign = await service.FindAsync(http.ClientId(), id, cancellationToken).ConfigureAwait(false)
            ?? throw new MailingNotFoundException($"Campaign '{id}' does not exist.");
        return TypedResults.Ok(new RetryFailedResponse(requeued, CampaignResponse.From(campaign)));
    }

    private static async Task<Ok<PreviewResponse>> PreviewAsync(
        HttpContext http, [FromServices] ICampaignService service, IOptions<JsonOptions> json, Guid id, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonAsync<PreviewBody>(http.Request, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
        var contactId = body.ContactId ?? throw new MailingValidationException(nameof(PreviewBody.ContactId), "Required: the id of the contact to render the message for.");
        var message = await service.PreviewAsync(http.ClientId(), id, contactId, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(PreviewResponse.From(message));
    }

    private static async Task<Ok<Page<DeliveryResponse>>> ListDeliveriesAsync(
        HttpContext http, [FromServices] ICampaignService service, Guid id, string? status, string? cursor, string? limit, CancellationToken cancellationToken)
    {
        var page = await service.ListDeliveriesAsync(
            http.ClientId(), id, WireEnum<DeliveryStatus>.Parse(status, "Status"), cursor, QueryValues.Limit(limit), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(Map(page, DeliveryResponse.From));
    }

    private static async Task<Ok<CampaignStatsResponse>> GetStatsAsync(
        HttpContext http, [FromServices] ICampaignService service, Guid id, CancellationToken cancellationToken)
    {
        var stats = await service.GetStatsAsync(http.ClientId(), id, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(CampaignStatsResponse.From(stats));
    }

    /// <summary>Whether the request carries a body (an optional one may be left out entirely).</summary>
    private static bool HasBody(HttpRequest request) =>
        request.ContentLength != 0 && request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != false;

    private static Page<TOut> Map<TIn, TOut>(Page<TIn> page, Func<TIn, TOut> map) => new([.. page.Items.Select(map)], page.NextCursor);

    private static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"Campaign '{id}' does not exist.");
}
