using Mailing.AspNetCore.Audiences;
using Mailing.AspNetCore.Campaigns;
using Mailing.AspNetCore.Contacts;
using Mailing.AspNetCore.Http;
using Mailing.AspNetCore.RecipientLists;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Microsoft.AspNetCore.Routing;

/// <summary>Maps Mailing's HTTP API.</summary>
public static class MailingEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps Mailing's endpoints under <paramref name="prefix"/> (for example
    /// <c>PUT /api/recipient-lists/{key}</c>) and returns the route group, so the host can add
    /// <c>RequireAuthorization()</c>, rate limiting or CORS to all of them.
    /// </summary>
    /// <remarks>
    /// The client (tenant) comes from the authenticated user's claim named by
    /// <see cref="Mailing.AspNetCore.MailingEndpointOptions.ClientIdClaimType"/>: never from the route or body.
    /// Without an authenticated user the endpoints answer 401; without the claim, 403. Errors are RFC 7807
    /// problem details whose field names follow the host's JSON naming policy.
    /// </remarks>
    public static RouteGroupBuilder MapMailingEndpoints(this IEndpointRouteBuilder endpoints, string prefix = "/api")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);

        var group = endpoints.MapGroup(prefix);
        group.AddEndpointFilter<MailingEndpointFilter>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        RecipientListEndpoints.Map(group);
        ContactEndpoints.Map(group);
        AudienceEndpoints.Map(group);
        CampaignEndpoints.Map(group);
        CampaignTimelineEndpoints.Map(group);
        return group;
    }
}
