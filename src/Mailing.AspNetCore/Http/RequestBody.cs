using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Mailing.AspNetCore.Http;

/// <summary>Reads JSON request bodies with the host's options, reporting problems by field.</summary>
internal static class RequestBody
{
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, JsonSerializerOptions options, CancellationToken cancellationToken)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            throw new RequestBodyException(
                "body",
                $"Expected a JSON body (Content-Type: application/json), got '{request.ContentType ?? "none"}'.",
                StatusCodes.Status415UnsupportedMediaType);
        }

        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, options, cancellationToken).ConfigureAwait(false)
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
