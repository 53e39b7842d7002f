namespace Mailing.AspNetCore;

/// <summary>
/// Options of the endpoints mapped by <c>MapMailingEndpoints</c>; configure them with
/// <c>services.Configure&lt;MailingEndpointOptions&gt;(o =&gt; …)</c>.
/// </summary>
public sealed class MailingEndpointOptions
{
    /// <summary>
    /// The claim of the authenticated user that holds the client (tenant) id. Default <c>client_id</c>.
    /// A request without an authenticated user gets 401; one whose user lacks the claim gets 403.
    /// </summary>
    public string ClientIdClaimType { get; set; } = "client_id";
}
