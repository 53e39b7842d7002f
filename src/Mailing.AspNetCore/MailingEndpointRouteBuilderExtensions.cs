using Mailing.AspNetCore.Audiences;
using Mailing.AspNetCore.Campaigns;
using Mailing.AspNetCore.Contacts;
using Mailing.AspNetCore.Http;
using Mailing.AspNetCore.RecipientLists;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

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

        // Bulk bodies are spooled to the app's own temporary folder, emptied here of what a crash left behind.
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<Mailing.AspNetCore.MailingEndpointOptions>>().Value;
        var spool = SpoolFolder.Prepare(options.TemporaryDirectory
            ?? SpoolFolder.DefaultPath(endpoints.ServiceProvider.GetService<IHostEnvironment>()?.ApplicationName ?? "app"));

        var group = endpoints.MapGroup(prefix);
        group.WithMetadata(spool)
            .AddEndpointFilter<MailingEndpointFilter>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        RecipientListEndpoints.Map(group);
        ContactEndpoints.Map(group);
        AudienceEndpoints.Map(group);
        CampaignEndpoints.Map(group);
        Mailing.AspNetCore.Suppressions.SuppressionEndpoints.Map(group);
        Mailing.AspNetCore.Events.DeliveryEventEndpoints.Map(group);
        CampaignTimelineEndpoints.Map(group);
        return group;
    }
}
