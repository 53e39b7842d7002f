using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Mailing.AspNetCore.Http;

/// <summary>What every Mailing endpoint reads from the request: its client and its query values.</summary>
internal static class EndpointValues
{
    /// <summary>The client <see cref="MailingEndpointFilter"/> resolved from the authenticated user.</summary>
    public static string ClientId(this HttpContext http) => http.Features.GetRequiredFeature<MailingClientFeature>().ClientId;

    /// <summary>The request's client and <c>?audience=</c> (default <c>default</c>).</summary>
    public static MailingScope Scope(this HttpContext http, string? audience) =>
        new(http.ClientId(), audience ?? MailingScope.DefaultAudience);
}

/// <summary>Query-string values parsed by hand so a bad value is a problem response naming its parameter.</summary>
internal static class QueryValues
{
    public static int? Limit(string? value) =>
        value is null ? null
        : int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) ? limit
        : throw new MailingValidationException("Limit", $"The limit must be a whole number, not '{value}'.");

    public static bool? Active(string? value) =>
        value is null ? null
        : bool.TryParse(value, out var active) ? active
        : throw new MailingValidationException("Active", $"active must be 'true' or 'false', not '{value}'.");
}
