using Mailing.AspNetCore.Http;
using Mailing.Audiences;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Mailing.AspNetCore.Audiences;

/// <summary>The <c>/audiences</c> endpoints.</summary>
internal static class AudienceEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var audiences = endpoints.MapGroup("/audiences").WithTags("Audiences");

        audiences.MapPost("/count", CountAsync)
            .WithName("CountAudience")
            .WithSummary("Count the distinct contacts a selection reaches (\"X recipients will receive this\")")
            .WithDescription("Body: {audience?, lists?, tags?, phonePrefixes?, attributes?}. The union of the lists' active members, " +
                             "narrowed by each filter given (tags: any of; phonePrefixes: any of; attributes: all equal); deleted, " +
                             "unsubscribed and suppressed contacts never count. At least one list or filter is required. The audience " +
                             "is ?audience= as on the other endpoints, or the body's audience; when both are given they must agree.")
            .Accepts<AudienceSelection>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
    }

    private static async Task<Ok<AudienceCountResponse>> CountAsync(
        HttpContext http, IAudienceService service, IOptions<JsonOptions> json, string? audience, CancellationToken cancellationToken)
    {
        var selection = await RequestBody.ReadJsonAsync<AudienceSelection>(http.Request, json.Value.SerializerOptions, cancellationToken);
        var count = await service.CountAsync(http.Scope(audience ?? selection.Audience), selection, cancellationToken);
        return TypedResults.Ok(new AudienceCountResponse(count));
    }
}
