using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Mailing.AspNetCore;

/// <summary>
/// Options of the endpoints mapped by <c>MapMailingEndpoints</c>; configure them with
/// <c>services.AddMailing().AddEndpoints(o =&gt; …)</c> (or <c>services.Configure&lt;MailingEndpointOptions&gt;</c>).
/// They are validated when the host starts and again when the endpoints are mapped; every error is listed.
/// </summary>
public sealed class MailingEndpointOptions
{
    /// <summary>
    /// The claim of the authenticated user that holds the client (tenant) id. Default <c>client_id</c>; required.
    /// A request without an authenticated user gets 401; one whose user lacks the claim gets 403.
    /// </summary>
    [Required]
    public string ClientIdClaimType { get; set; } = "client_id";

    /// <summary>
    /// Largest request body, in bytes, that bulk-upsert and reconcile accept (JSON or NDJSON); larger
    /// bodies get 413. The body is streamed, never held in memory, so the default of 512 MiB allows
    /// snapshots of several million members. At least 1.
    /// </summary>
    [Range(typeof(long), "1", "9223372036854775807")]
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
    /// Default: <c>mailing/{application name}</c> under the system's temporary folder. When set, an absolute path.
    /// </summary>
    public string? TemporaryDirectory { get; set; }
}

/// <summary>The DataAnnotations rules of <see cref="MailingEndpointOptions"/>, checked by a generated validator.</summary>
[OptionsValidator]
internal sealed partial class MailingEndpointOptionsAnnotationsValidator : IValidateOptions<MailingEndpointOptions>;

/// <summary>Rules the annotations cannot say.</summary>
internal sealed class MailingEndpointOptionsPathValidator : IValidateOptions<MailingEndpointOptions>
{
    public ValidateOptionsResult Validate(string? name, MailingEndpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.TemporaryDirectory is { } folder && (string.IsNullOrWhiteSpace(folder) || !Path.IsPathFullyQualified(folder))
            ? ValidateOptionsResult.Fail(
                $"{nameof(MailingEndpointOptions.TemporaryDirectory)} '{folder}' must be an absolute path (or left unset for the default).")
            : ValidateOptionsResult.Success;
    }
}

/// <summary>Both validators of <see cref="MailingEndpointOptions"/>, for registration and for the check when the endpoints are mapped.</summary>
internal static class MailingEndpointOptionsValidation
{
    public static readonly IValidateOptions<MailingEndpointOptions>[] Validators =
        [new MailingEndpointOptionsAnnotationsValidator(), new MailingEndpointOptionsPathValidator()];

    /// <summary>Returns <paramref name="options"/> when valid; throws <see cref="OptionsValidationException"/> listing every error otherwise.</summary>
    public static MailingEndpointOptions Checked(MailingEndpointOptions options)
    {
        var failures = Validators
            .Select(v => v.Validate(Options.DefaultName, options))
            .Where(r => r.Failed)
            .SelectMany(r => r.Failures ?? [])
            .ToList();
        return failures.Count == 0
            ? options
            : throw new OptionsValidationException(Options.DefaultName, typeof(MailingEndpointOptions), failures);
    }
}
