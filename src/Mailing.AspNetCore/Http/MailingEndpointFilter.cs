using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailing.AspNetCore.Http;

/// <summary>
/// Runs around every Mailing endpoint: resolves the client from the authenticated user (401/403
/// otherwise) and turns Mailing's errors into RFC 7807 problem responses whose field names follow
/// the host's JSON naming policy.
/// </summary>
internal sealed partial class MailingEndpointFilter(
    IOptions<MailingEndpointOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ILogger<MailingEndpointFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.User.Identity?.IsAuthenticated != true)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Authentication required",
                detail: "Mailing endpoints need an authenticated user that carries a client id.");
        }

        var claimType = options.Value.ClientIdClaimType;
        var clientId = http.User.FindFirst(claimType)?.Value;
        if (string.IsNullOrWhiteSpace(clientId) || clientId.Length > MailingLimits.MaxClientIdLength || clientId.Any(char.IsControl))
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status403Forbidden,
                title: "No client",
                detail: $"The authenticated user has no usable '{claimType}' claim (1 to {MailingLimits.MaxClientIdLength} printable characters), so no client's data can be reached.");
        }

        http.Features.Set(new MailingClientFeature(clientId));
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (MailingValidationException ex)
        {
            return TypedResults.ValidationProblem(
                ex.Errors.ToDictionary(e => FieldNames.ToWire(e.Key, json.Value.SerializerOptions), e => e.Value),
                title: "The request is invalid.");
        }
        catch (MailingConflictException ex)
        {
            var field = ex.Field is null ? null : FieldNames.ToWire(ex.Field, json.Value.SerializerOptions);
            return TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "Conflict",
                detail: ex.Message,
                extensions: field is null ? null : new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { [field] = [ex.Message] } });
        }
        catch (MailingNotFoundException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: ex.Message);
        }
        catch (StoreBusyException ex)
        {
            return Problems.Unavailable(http, ex.RetryAfter, "The store is busy.", ex.Message);
        }
        catch (BadHttpRequestException ex)
        {
            // The server gave up on the body (too slow: 408, too large: 413, cut short: 400): the client's problem.
            LogBadRequestBody(ex.StatusCode, ex.Message);
            return TypedResults.Problem(statusCode: ex.StatusCode, title: "The request body could not be read.", detail: ex.Message);
        }
        catch (RequestBodyException ex)
        {
            return ex.StatusCode == StatusCodes.Status400BadRequest
                ? TypedResults.ValidationProblem(new Dictionary<string, string[]> { [ex.Field] = [ex.Message] }, title: "The request body is invalid.")
                : TypedResults.Problem(statusCode: ex.StatusCode, title: "The request body cannot be processed.", detail: ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Request body not read ({StatusCode}): {Reason}")]
    private partial void LogBadRequestBody(int statusCode, string reason);
}

/// <summary>Problem responses shared by the filters.</summary>
internal static class Problems
{
    /// <summary>A 503 with <c>Retry-After</c> in whole seconds (at least one).</summary>
    public static ProblemHttpResult Unavailable(HttpContext http, TimeSpan retryAfter, string title, string detail)
    {
        http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: title, detail: detail);
    }
}

/// <summary>The client the current request acts for, set by <see cref="MailingEndpointFilter"/>.</summary>
internal sealed record MailingClientFeature(string ClientId);

/// <summary>Reading the request body failed (malformed JSON, wrong content type, missing field).</summary>
internal sealed class RequestBodyException(string field, string message, int statusCode = StatusCodes.Status400BadRequest) : Exception(message)
{
    public string Field { get; } = field;

    public int StatusCode { get; } = statusCode;
}

/// <summary>Converts Core's .NET field paths (<c>Members[3].SourceObjectKey</c>) to the wire's naming.</summary>
internal static class FieldNames
{
    public static string ToWire(string path, JsonSerializerOptions options)
    {
        var policy = options.PropertyNamingPolicy;
        if (policy is null)
        {
            return path;
        }

        return string.Join('.', path.Split('.').Select(segment =>
        {
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            return bracket < 0 ? policy.ConvertName(segment) : policy.ConvertName(segment[..bracket]) + segment[bracket..];
        }));
    }
}
