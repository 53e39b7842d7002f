using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace Mailing.Sample;

/// <summary>
/// How a person signs in to the operator console in the sample: a small form exchanges an API key (from
/// <c>Sample:ApiKeys</c>) for a cookie whose principal carries the key's <c>client_id</c>. The API then accepts either
/// the <c>X-Api-Key</c> header or that cookie (<see cref="SchemeName"/> picks one per request).
/// </summary>
/// <remarks>
/// Request forgery: the cookie is <c>SameSite=Strict</c> and HTTP-only, and a cookie-authenticated request that
/// changes anything (any method but GET, HEAD, OPTIONS) must carry the <c>X-Mailing-Console</c> header, which the
/// console sends and a cross-site form cannot. The sign-in form itself carries an antiforgery token.
/// </remarks>
internal static class ConsoleSignIn
{
    /// <summary>The policy scheme: the API key handler for requests with the header, else the cookie.</summary>
    public const string SchemeName = "ApiKeyOrCookie";

    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;

    public const string CsrfHeader = "X-Mailing-Console";

    public static AuthenticationBuilder AddApiKeyOrConsoleCookie(this IServiceCollection services)
    {
        services.AddAntiforgery();
        return services.AddAuthentication(SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = "mailing-console";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.LoginPath = "/console/login";
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;

                // Only the console's pages redirect to the form; the API answers 401/403 as it does for API keys.
                o.Events.OnRedirectToLogin = context => IsConsole(context.Request) ? Redirect(context) : Problem(context.HttpContext, StatusCodes.Status401Unauthorized);
                o.Events.OnRedirectToAccessDenied = context => Problem(context.HttpContext, StatusCodes.Status403Forbidden);
            })
            .AddPolicyScheme(SchemeName, "X-Api-Key header or console cookie", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName) ? ApiKeyAuthenticationHandler.SchemeName
                : IsConsole(context.Request) || context.Request.Cookies.ContainsKey("mailing-console") ? CookieScheme
                : ApiKeyAuthenticationHandler.SchemeName);
    }

    /// <summary>Refuses cookie-authenticated requests that change something without the console's header (403).</summary>
    public static IApplicationBuilder UseConsoleRequestForgeryCheck(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var method = context.Request.Method;
        var safe = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
        if (!safe && context.User.Identity is { IsAuthenticated: true, AuthenticationType: CookieScheme } && !context.Request.Headers.ContainsKey(CsrfHeader))
        {
            await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Missing console header",
                detail: $"Requests signed in with the console's cookie must carry the {CsrfHeader} header.").ExecuteAsync(context);
            return;
        }

        await next(context);
    });

    /// <summary>Maps <c>GET/POST /console/login</c> and <c>POST /console/logout</c>.</summary>
    public static void MapConsoleSignIn(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/console/login", (HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
                Form(context, antiforgery, returnUrl, error: null))
            .AllowAnonymous().ExcludeFromDescription();

        endpoints.MapPost("/console/login", async Task<IResult> (HttpContext context, IAntiforgery antiforgery, IConfiguration configuration,
                [FromForm] string? apiKey, [FromForm] string? returnUrl) =>
            {
                var clientId = string.IsNullOrEmpty(apiKey) ? null : ApiKeyAuthenticationHandler.FindClient(configuration, apiKey);
                if (string.IsNullOrEmpty(clientId))
                {
                    return Form(context, antiforgery, returnUrl, "That API key is not known.");
                }

                var identity = new ClaimsIdentity([new Claim(ApiKeyAuthenticationHandler.ClientIdClaim, clientId)], CookieScheme);
                await context.SignInAsync(CookieScheme, new ClaimsPrincipal(identity));
                return Results.LocalRedirect(IsLocal(returnUrl) ? returnUrl! : "/console/");
            })
            .AllowAnonymous().ExcludeFromDescription();

        endpoints.MapPost("/console/logout", async (HttpContext context) =>
            {
                await context.SignOutAsync(CookieScheme);
                return Results.NoContent();
            })
            .AllowAnonymous().ExcludeFromDescription();
    }

    private static bool IsConsole(HttpRequest request) => request.Path.StartsWithSegments("/console", StringComparison.OrdinalIgnoreCase);

    private static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);

    private static Task Redirect(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    private static Task Problem(HttpContext context, int status) =>
        Results.Problem(statusCode: status, title: status == 401 ? "Authentication required" : "Forbidden").ExecuteAsync(context);

    private static IResult Form(HttpContext context, IAntiforgery antiforgery, string? returnUrl, string? error)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var html = HtmlEncoder.Default;
        var page = $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Sign in · Mailing console</title>
            <style>
              body { font: 15px/1.45 system-ui, sans-serif; background: #f6f7f9; color: #1c2430; display: grid; place-items: center; min-height: 100vh; margin: 0; }
              form { background: #fff; border: 1px solid #dfe3e8; border-radius: 8px; padding: 28px; width: min(360px, 92vw); display: grid; gap: 12px; }
              h1 { font-size: 20px; margin: 0; } label { display: grid; gap: 4px; font-weight: 600; font-size: 13px; color: #5d6b7c; }
              input { font: inherit; padding: 8px 10px; border: 1px solid #c9d0d8; border-radius: 6px; }
              button { font: inherit; padding: 9px; border-radius: 6px; border: 1px solid #2256c5; background: #2256c5; color: #fff; cursor: pointer; }
              .error { color: #b4232c; margin: 0; } .hint { color: #5d6b7c; font-size: 13px; margin: 0; }
            </style></head>
            <body><form method="post" action="/console/login">
              <h1>Mailing console</h1>
              {{(error is null ? "" : $"<p class=\"error\" role=\"alert\">{html.Encode(error)}</p>")}}
              <label>API key <input name="apiKey" type="password" autocomplete="current-password" required autofocus></label>
              <input type="hidden" name="{{html.Encode(tokens.FormFieldName)}}" value="{{html.Encode(tokens.RequestToken ?? "")}}">
              <input type="hidden" name="returnUrl" value="{{html.Encode(returnUrl ?? "/console/")}}">
              <button type="submit">Sign in</button>
              <p class="hint">The key is exchanged for a session cookie; the console then shows that key's client only.</p>
            </form></body></html>
            """;
        return Results.Content(page, "text/html; charset=utf-8", statusCode: error is null ? 200 : 401);
    }
}
