using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Mailing.Sample;

/// <summary>
/// Authenticates requests by the <c>X-Api-Key</c> header. Keys map to client ids in the
/// <c>Sample:ApiKeys</c> configuration section (key → client id); the client id becomes the
/// <c>client_id</c> claim that Mailing's endpoints read.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IConfiguration configuration) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    public const string ClientIdClaim = "client_id";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        // Exactly one key: several headers (an empty one first, say) must not let any of them through.
        if (values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.Fail($"Send exactly one non-empty {HeaderName} header."));
        }

        var clientId = FindClient(configuration, values[0]!);
        if (string.IsNullOrEmpty(clientId))
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        var identity = new ClaimsIdentity([new Claim(ClientIdClaim, clientId)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    /// <summary>Finds the key's client in <c>Sample:ApiKeys</c>: exact (case-sensitive) match, compared in constant time.</summary>
    public static string? FindClient(IConfiguration configuration, string presented)
    {
        var presentedBytes = Encoding.UTF8.GetBytes(presented);
        string? match = null;
        foreach (var entry in configuration.GetSection("Sample:ApiKeys").GetChildren())
        {
            if (CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(entry.Key), presentedBytes))
            {
                match = entry.Value;
            }
        }

        return match;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        return WriteProblemAsync(StatusCodes.Status401Unauthorized, "Authentication required", $"Send a valid API key in the {HeaderName} header.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden", "This API key may not use this endpoint.");

    private Task WriteProblemAsync(int status, string title, string detail)
    {
        Response.StatusCode = status;
        return Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(Context);
    }
}
