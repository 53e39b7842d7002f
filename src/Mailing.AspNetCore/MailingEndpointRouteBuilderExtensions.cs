using Mailing.AspNetCore;
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
    /// <c>PUT /api/recipient-lists/{key}</c>) and returns a builder of conventions for all of them, so the host can
    /// add <c>RequireAuthorization()</c>, rate limiting or CORS. Like <c>MapIdentityApi</c>, it returns
    /// <see cref="IEndpointConventionBuilder"/> rather than the route group: the group is Mailing's, and routes the
    /// host maps belong in its own groups.
    /// </summary>
    /// <remarks>
    /// The client (tenant) comes from the authenticated user's claim named by
    /// <see cref="MailingEndpointOptions.ClientIdClaimType"/>: never from the route or body.
    /// Without an authenticated user the endpoints answer 401; without the claim, 403. Errors are RFC 7807
    /// problem details whose field names follow the host's JSON naming policy. The options
    /// (<see cref="MailingEndpointOptions"/>) are validated here, when the endpoints are mapped, with
    /// every error listed.
    /// </remarks>
    public static IEndpointConventionBuilder MapMailingEndpoints(this IEndpointRouteBuilder endpoints, string prefix = "/api")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);

        // Bulk bodies are spooled to the app's own temporary folder, emptied here of what a crash left behind.
        var options = MailingEndpointOptionsValidation.Checked(endpoints.ServiceProvider.GetRequiredService<IOptions<MailingEndpointOptions>>().Value);
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
        return new MailingEndpointConventionBuilder(group);
    }

    /// <summary>Passes the host's conventions on to Mailing's route group without handing out the group itself.</summary>
    private sealed class MailingEndpointConventionBuilder(RouteGroupBuilder group) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention) => ((IEndpointConventionBuilder)group).Add(convention);

        public void Finally(Action<EndpointBuilder> finallyConvention) => ((IEndpointConventionBuilder)group).Finally(finallyConvention);
    }
}
