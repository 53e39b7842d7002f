using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Mailing.AspNetCore;
using Mailing.AspNetCore.Console;
using Mailing.AspNetCore.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Microsoft.AspNetCore.Routing;

/// <summary>Maps Mailing's operator console.</summary>
public static class MailingConsoleEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the operator console, a small single-page app shipped inside this package (no CDN, no build step), under
    /// <paramref name="prefix"/> and returns its route group, so the host adds <c>RequireAuthorization(…)</c> as for the API.
    /// The console reads and changes data only through Mailing's JSON API at <see cref="MailingConsoleOptions.ApiPrefix"/>,
    /// so an operator sees exactly what the API shows their client; its files are served with ETags (and, being
    /// versioned, cached for good).
    /// </summary>
    /// <remarks>
    /// Every request the console sends carries the header <c>X-Mailing-Console: 1</c>. A host that authenticates the
    /// console with a cookie should refuse cookie-authenticated unsafe requests without it (and issue the cookie with
    /// <c>SameSite=Strict</c>): a cross-site form cannot set a custom header, so this guards against request forgery.
    /// </remarks>
    /// <param name="endpoints">The app.</param>
    /// <param name="prefix">Where the console lives, for example <c>/console</c>.</param>
    /// <param name="configure">Sets the API prefix, the sign-out path and the title; optional.</param>
    public static RouteGroupBuilder MapMailingConsole(this IEndpointRouteBuilder endpoints, string prefix = "/console", Action<MailingConsoleOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);
        var options = new MailingConsoleOptions();
        configure?.Invoke(options);
        var assets = ConsoleAssets.Instance;

        var group = endpoints.MapGroup(prefix);
        group.ExcludeFromDescription();
        group.MapGet("/", (HttpContext http) => Page(http, prefix, options, assets));
        group.MapGet("/assets/{name}", (HttpContext http, string name, string? v) => Asset(http, assets, name, v));
        group.MapGet("/session", (HttpContext http) => TypedSession(http, options))
            .AddEndpointFilter<MailingEndpointFilter>();
        return group;
    }

    private static IResult Page(HttpContext http, string prefix, MailingConsoleOptions options, ConsoleAssets assets)
    {
        var template = assets.Find("index.html") ?? throw new InvalidOperationException("The console's index.html is not embedded.");
        var pathBase = http.Request.PathBase.Value ?? "";
        var config = new
        {
            @base = pathBase + prefix.TrimEnd('/'),
            api = pathBase + options.ApiPrefix.TrimEnd('/'),
            signOut = options.SignOutPath is null ? null : pathBase + options.SignOutPath,
            title = options.Title,
            version = assets.Version,
        };

        // JSON in a data block: the default encoder escapes <, > and &, so no value can end the script element.
        var json = JsonSerializer.Serialize(config);
        var html = Encoding.UTF8.GetString(template.Content)
            .Replace("{{CONFIG}}", json, StringComparison.Ordinal)
            .Replace("{{TITLE}}", HtmlEncoder.Default.Encode(options.Title), StringComparison.Ordinal)
            .Replace("{{ASSETS}}", HtmlEncoder.Default.Encode(config.@base + "/assets"), StringComparison.Ordinal)
            .Replace("{{VERSION}}", assets.Version, StringComparison.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(html);
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        return Cached(http, bytes, template.ContentType, "\"" + ConsoleAssets.Hash(bytes)[..16] + "\"", immutable: false);
    }

    private static IResult Asset(HttpContext http, ConsoleAssets assets, string name, string? version)
    {
        var asset = name == "index.html" ? null : assets.Find(name);
        if (asset is null)
        {
            return Results.NotFound();
        }

        http.Response.Headers.XContentTypeOptions = "nosniff";
        return Cached(http, asset.Content, asset.ContentType, asset.ETag, immutable: version == assets.Version);
    }

    private static IResult Cached(HttpContext http, byte[] content, string contentType, string etag, bool immutable)
    {
        var headers = http.Response.Headers;
        headers.ETag = etag;
        headers.CacheControl = immutable ? "public, max-age=31536000, immutable" : "no-cache";
        var match = http.Request.Headers.IfNoneMatch;
        if (match.Count > 0 && EntityTagHeaderValue.TryParseList(match, out var tags) && tags.Any(t => t.Tag == etag || t.Equals(EntityTagHeaderValue.Any)))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(content, contentType);
    }

    private static IResult TypedSession(HttpContext http, MailingConsoleOptions options) =>
        Results.Ok(new { clientId = http.ClientId(), title = options.Title });
}
