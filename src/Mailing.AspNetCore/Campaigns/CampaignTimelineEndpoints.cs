using Mailing.AspNetCore.Http;
using Mailing.Campaigns;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace Mailing.AspNetCore.Campaigns;

/// <summary><c>GET /campaigns/{id}/timeline</c>: a campaign's sends over time (the console's chart).</summary>
internal static class CampaignTimelineEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/campaigns/{id:guid}/timeline", GetTimelineAsync)
            .WithTags("Campaigns")
            .WithName("GetCampaignTimeline")
            .WithSummary("A campaign's sent deliveries per minute, hour or day")
            .WithDescription("?bucket= is minute (default), hour or day. Points are {at, sent}, oldest first, by each delivery's dispatch time (UTC); " +
                             "buckets without sends are left out.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Ok<TimelineResponse>> GetTimelineAsync(
        HttpContext http, [FromServices] ICampaignService service, Guid id, string? bucket, CancellationToken cancellationToken)
    {
        var width = WireEnum<TimelineBucket>.Parse(bucket, "Bucket") ?? TimelineBucket.Minute;
        var points = await service.GetTimelineAsync(http.ClientId(), id, width, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new TimelineResponse(id, WireEnum<TimelineBucket>.Name(width), [.. points.Select(p => new TimelinePointResponse(p.At, p.Sent))]));
    }
}

/// <summary>A campaign's sends over time.</summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Bucket">The width of each point: <c>minute</c>, <c>hour</c> or <c>day</c>.</param>
/// <param name="Points">Sends per bucket, oldest first; buckets without sends are left out.</param>
public sealed record TimelineResponse(Guid CampaignId, string Bucket, IReadOnlyList<TimelinePointResponse> Points);

/// <summary>The sends of one bucket.</summary>
/// <param name="At">The bucket's start (UTC).</param>
/// <param name="Sent">Deliveries sent in it.</param>
public sealed record TimelinePointResponse(DateTimeOffset At, long Sent);
