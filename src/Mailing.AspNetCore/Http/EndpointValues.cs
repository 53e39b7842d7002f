using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Mailing.AspNetCore.Http;

/// <summary>What every Mailing endpoint reads from the request: its client and its query values.</summary>
internal static partial class EndpointValues
{
    /// <summary>The client <see cref="MailingEndpointFilter"/> resolved from the authenticated user.</summary>
    public static string ClientId(this HttpContext http) => http.Features.GetRequiredFeature<MailingClientFeature>().ClientId;

    /// <summary>
    /// A route value as the client sent it, percent-decoded exactly once. The server decodes the path except
    /// <c>%2F</c>, so <c>a%2Fb</c> (a slash) and <c>a%252Fb</c> (the text <c>%2F</c>) both arrive as <c>a%2Fb</c>;
    /// the raw request target tells them apart: the first is <c>a/b</c>, the second <c>a%2Fb</c>.
    /// </summary>
    public static string RouteValue(this HttpContext http, string value)
    {
        if (!value.Contains("%2F", StringComparison.OrdinalIgnoreCase)
            || http.Features.Get<IHttpRequestFeature>()?.RawTarget is not { Length: > 0 } target)
        {
            return value;
        }

        var path = target.Split('?', 2)[0];
        foreach (var segment in path.Split('/'))
        {
            if (string.Equals(Uri.UnescapeDataString(EncodedSlash().Replace(segment, "%25$1")), value, StringComparison.Ordinal))
            {
                return Uri.UnescapeDataString(segment);
            }
        }

        return value;
    }

    [GeneratedRegex("%(2[fF])")]
    private static partial Regex EncodedSlash();

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
