using Mailing.AspNetCore.Http;
using Mailing.Audiences;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Mailing.AspNetCore.Audiences;

/// <summary>Answer of <c>POST /audiences/count</c>.</summary>
/// <param name="Count">How many distinct contacts the selection reaches now.</param>
internal sealed record AudienceCountResponse(long Count);

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
                             "unsubscribed and suppressed contacts never count. At least one list or filter is required.")
            .Accepts<AudienceSelection>("application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
    }

    private static async Task<Ok<AudienceCountResponse>> CountAsync(
        HttpContext http, IAudienceService service, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        var selection = await RequestBody.ReadJsonAsync<AudienceSelection>(http.Request, json.Value.SerializerOptions, cancellationToken);
        var count = await service.CountAsync(http.ClientId(), selection, cancellationToken);
        return TypedResults.Ok(new AudienceCountResponse(count));
    }
}
