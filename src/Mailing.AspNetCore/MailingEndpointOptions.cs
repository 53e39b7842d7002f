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

    /// <summary>
    /// Largest request body, in bytes, that bulk-upsert and reconcile accept (JSON or NDJSON); larger
    /// bodies get 413. The body is streamed, never held in memory, so the default of 512 MiB allows
    /// snapshots of several million members.
    /// </summary>
    public long MaxMembershipRequestBodySize { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// How many bulk-upsert and reconcile requests this process works on at once (each may hold a large body
    /// and a long transaction). Further ones are turned away before their bodies are read, with 503 and
    /// <c>Retry-After</c>. Default 8; 0 or less removes the limit (for example when the host rate-limits them itself).
    /// </summary>
    public int MaxConcurrentMembershipRequests { get; set; } = 8;

    /// <summary>
    /// The folder where bulk bodies too large for memory are spooled (as <c>mailing-body-*.json</c>, deleted once
    /// read). It should belong to this app: <c>MapMailingEndpoints</c> deletes the bodies a crash left there.
    /// Default: <c>mailing/{application name}</c> under the system's temporary folder.
    /// </summary>
    public string? TemporaryDirectory { get; set; }
}
