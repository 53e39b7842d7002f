using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Mailing.AspNetCore.Http;

/// <summary>Reads small JSON request bodies (everything but bulk members) with the host's options, reporting problems by field.</summary>
internal static class RequestBody
{
    /// <summary>The largest body of a single list, member, contact or audience request.</summary>
    public const int MaxBytes = 1024 * 1024;

    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, JsonSerializerOptions options, CancellationToken cancellationToken)
        where T : class
    {
        ContentTypes.Check(request);
        if (request.ContentLength > MaxBytes)
        {
            throw LimitedReadStream.TooLarge(MaxBytes);
        }

        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = MaxBytes;
        }

        using var buffer = new MemoryStream();
        await new LimitedReadStream(request.Body, MaxBytes).CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var json = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (!Utf8.IsValid(json))
        {
            throw new RequestBodyException("body", "The request body is not valid UTF-8 text.");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(json, options)
                ?? throw new RequestBodyException("body", "The request body must be a JSON object, not null.");
        }
        catch (JsonException ex)
        {
            // The exception's own message names .NET types; say where the problem is instead.
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            var where = ex.LineNumber is { } line ? $" (line {line + 1}, position {ex.BytePositionInLine + 1})" : string.Empty;
            var message = field == "body"
                ? $"The request body is not a valid JSON object{where}."
                : $"'{field}' has the wrong JSON type or is malformed{where}.";
            throw new RequestBodyException(field, message);
        }
    }
}

/// <summary>The content types Mailing reads: JSON (<c>application/json</c> or <c>application/*+json</c>) or, for bulk members, NDJSON, in UTF-8 only.</summary>
internal static class ContentTypes
{
    /// <summary>
    /// Returns the request's media type when it is JSON or <paramref name="alternative"/>, with no charset or
    /// UTF-8; anything else (<c>text/plain</c>, <c>charset=latin1</c>, none) is a 415.
    /// </summary>
    public static string Check(HttpRequest request, string? alternative = null)
    {
        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
            && (type.Charset.Length == 0 || type.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || type.Charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)))
        {
            var media = type.MediaType.ToString();
            if (alternative is not null && media.Equals(alternative, StringComparison.OrdinalIgnoreCase))
            {
                return alternative;
            }

            if (media.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || (media.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && media.EndsWith("+json", StringComparison.OrdinalIgnoreCase)))
            {
                return "application/json";
            }
        }

        var expected = alternative is null ? "application/json" : $"application/json or {alternative}";
        throw new RequestBodyException(
            "body",
            $"Expected {expected} in UTF-8, got '{request.ContentType ?? "none"}'.",
            StatusCodes.Status415UnsupportedMediaType);
    }
}
