using System.Text.Json;
using Mailing.AspNetCore.Http;
using Mailing.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Mailing.AspNetCore.Events;

/// <summary>The <c>/delivery-events</c> endpoints and a delivery's history.</summary>
internal static class DeliveryEventEndpoints
{
    private const int MaxWebhookBody = 10 * 1024 * 1024;

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/delivery-events").WithTags("Delivery events");

        group.MapPost("/", IngestAsync)
            .WithName("IngestDeliveryEvents")
            .WithSummary("Report a batch of delivery events (the generic JSON shape)")
            .WithDescription("Body {events: [{provider, providerEventId, type, timestamp, providerMessageId?, deliveryId?, recipient?, rejectReason?, " +
                             "description?, mtaResponse?, payload?}]} (or the bare array). Each event is stored once per (provider, providerEventId); " +
                             "one outcome per event: applied, orphaned (its message is not known yet; linked when it is), duplicate, or rejected with errors.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        group.MapPost("/{provider}", WebhookAsync)
            .WithName("IngestProviderWebhook")
            .WithSummary("Receive a provider's event webhook (for example mailgun), checked by its signature")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        endpoints.MapGet("/campaigns/{campaignId:guid}/deliveries/{deliveryId:guid}/events", ListAsync)
            .WithTags("Campaigns")
            .WithName("ListDeliveryEvents")
            .WithSummary("A delivery's events, oldest first")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Ok<DeliveryEventBatchResponse>> IngestAsync(
        HttpContext http, [FromServices] IDeliveryEventService service, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        var options = json.Value.SerializerOptions;
        using var document = await RequestBody.ReadJsonAsync<JsonDocument>(http.Request, options, cancellationToken).ConfigureAwait(false);
        var array = document.RootElement switch
        {
            { ValueKind: JsonValueKind.Array } a => a,
            { ValueKind: JsonValueKind.Object } o when o.TryGetProperty(Wire("Events", options), out var e) && e.ValueKind == JsonValueKind.Array => e,
            _ => throw new MailingValidationException("Events", "The body must be {\"events\": [...]} or an array of events."),
        };

        // Each event is read on its own, so one malformed event is rejected without failing the batch.
        var inputs = new List<DeliveryEventInput>();
        var unreadable = new Dictionary<int, string>();
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            try
            {
                inputs.Add(item.Deserialize<DeliveryEventInput>(options) ?? new DeliveryEventInput());
            }
            catch (JsonException e)
            {
                unreadable[index] = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "body" : e.Path.TrimStart('$', '.');
                inputs.Add(new DeliveryEventInput());
            }

            index++;
        }

        var readable = inputs.Where((_, i) => !unreadable.ContainsKey(i)).ToList();
        var results = await service.IngestAsync(http.ClientId(), readable, cancellationToken).ConfigureAwait(false);
        var merged = new List<DeliveryEventResult>(inputs.Count);
        var next = 0;
        for (var i = 0; i < inputs.Count; i++)
        {
            merged.Add(unreadable.TryGetValue(i, out var field)
                ? new DeliveryEventResult(i, DeliveryEventOutcome.Rejected, Errors: new Dictionary<string, string[]> { [field] = ["Wrong JSON type or unknown value."] })
                : results[next++] with { Index = i });
        }

        return TypedResults.Ok(Response(merged, options));
    }

    private static async Task<Ok<DeliveryEventBatchResponse>> WebhookAsync(
        HttpContext http, [FromServices] IDeliveryEventService service, IOptions<JsonOptions> json, string provider, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (buffer.Length > MaxWebhookBody)
        {
            throw new RequestBodyException("body", "The webhook body is too large.", StatusCodes.Status413PayloadTooLarge);
        }

        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var results = await service.IngestWebhookAsync(http.ClientId(), provider, new WebhookRequest(headers, buffer.ToArray()), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(Response(results, json.Value.SerializerOptions));
    }

    private static async Task<Ok<IReadOnlyList<DeliveryEvent>>> ListAsync(
        HttpContext http, [FromServices] IDeliveryEventService service, Guid campaignId, Guid deliveryId, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.ListAsync(http.ClientId(), campaignId, deliveryId, cancellationToken).ConfigureAwait(false));

    private static DeliveryEventBatchResponse Response(IReadOnlyList<DeliveryEventResult> results, JsonSerializerOptions options)
    {
        var counts = Enum.GetValues<DeliveryEventOutcome>().ToDictionary(o => o, o => results.Count(r => r.Outcome == o));
        var items = results.Select(r => r.Errors is null ? r : r with
        {
            Errors = r.Errors.ToDictionary(e => FieldNames.ToWire(e.Key, options), e => e.Value),
        }).ToList();
        return new DeliveryEventBatchResponse(counts, items);
    }

    private static string Wire(string name, JsonSerializerOptions options) => options.PropertyNamingPolicy?.ConvertName(name) ?? name;
}
