using Mailing.AspNetCore.Campaigns;
using Mailing.AspNetCore.Http;
using Mailing.Suppressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Mailing.AspNetCore.Suppressions;

/// <summary>The <c>/suppressions</c> endpoints.</summary>
internal static class SuppressionEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/suppressions").WithTags("Suppressions");

        group.MapGet("/", ListAsync)
            .WithName("ListSuppressions")
            .WithSummary("List the client's suppressions in creation order, keyset-paged (?cursor=&limit=)")
            .ProducesValidationProblem();

        group.MapGet("/{address}", GetAsync)
            .WithName("GetSuppression")
            .WithSummary("The suppressions of an email address or a domain")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("/{address}", PutAsync)
            .WithName("PutSuppression")
            .WithSummary("Suppress an email address (every stream, or one with scope address_stream) or a domain")
            .WithDescription("Body {scope?, stream?, reason?, expiresAt?}: scope defaults to address (domain for a domain, address_stream when a stream is given); " +
                             "reason to manual. Replaces the reason and expiry of the same rule.")
            .Accepts<SuppressionInput>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        group.MapDelete("/{address}", DeleteAsync)
            .WithName("DeleteSuppression")
            .WithSummary("Lift the suppressions of an email address or a domain: every one, or one rule (?scope=&stream=)")
            .WithDescription("Without a query every rule of the address goes. ?scope=address lifts only the every-stream rule; " +
                             "?stream=bulk (or ?scope=address_stream&stream=bulk) only that stream's rule.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Ok<Page<SuppressionResponse>>> ListAsync(
        HttpContext http, [FromServices] ISuppressionService service, string? cursor, string? limit, CancellationToken cancellationToken)
    {
        var page = await service.ListAsync(http.ClientId(), cursor, QueryValues.Limit(limit), cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new Page<SuppressionResponse>([.. page.Items.Select(SuppressionResponse.From)], page.NextCursor));
    }

    private static async Task<Results<Ok<SuppressionResponse[]>, ProblemHttpResult>> GetAsync(
        HttpContext http, [FromServices] ISuppressionService service, string address, CancellationToken cancellationToken)
    {
        var found = await service.GetAsync(http.ClientId(), address, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? NotFound(address) : TypedResults.Ok(found.Select(SuppressionResponse.From).ToArray());
    }

    private static async Task<Ok<SuppressionResponse>> PutAsync(
        HttpContext http, [FromServices] ISuppressionService service, IOptions<JsonOptions> json, string address, CancellationToken cancellationToken)
    {
        var input = http.Request.ContentLength is 0 || (http.Request.ContentLength is null && http.Request.ContentType is null)
            ? new SuppressionInput()
            : await RequestBody.ReadJsonAsync<SuppressionInput>(http.Request, json.Value.SerializerOptions, cancellationToken).ConfigureAwait(false);
        var stored = await service.PutAsync(http.ClientId(), address, input, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(SuppressionResponse.From(stored));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        HttpContext http, [FromServices] ISuppressionService service, string address, string? scope, string? stream, CancellationToken cancellationToken)
    {
        var onlyScope = WireEnum<SuppressionScope>.Parse(scope, "Scope");
        var onlyStream = WireEnum<MessageStream>.Parse(stream, "Stream");
        if (await service.DeleteAsync(http.ClientId(), address, onlyScope, onlyStream, cancellationToken).ConfigureAwait(false))
        {
            return TypedResults.NoContent();
        }

        return onlyScope is null && onlyStream is null
            ? NotFound(address)
            : TypedResults.Problem(
                statusCode: StatusCodes.Status404NotFound, title: "Not found",
                detail: $"'{address}' has no {(onlyStream is { } s ? $"{WireEnum<MessageStream>.Name(s)}-stream" : WireEnum<SuppressionScope>.Name(onlyScope!.Value))} rule.");
    }

    private static ProblemHttpResult NotFound(string address) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"'{address}' is not suppressed.");
}
