using System.Net;
using System.Text;

namespace Mailing.Dispatch.Http;

/// <summary>The status-code rules of the built-in HTTP transport, for formatters to reuse.</summary>
public static class HttpTransportResponses
{
    /// <summary>How much of a refusing provider's body is kept in a delivery's error.</summary>
    public const int MaxBodyExcerptLength = 512;

    /// <summary>
    /// <see langword="null"/> for a 2xx answer (read its body next); otherwise the result its status means:
    /// 408, 429 and 5xx are <see cref="TransportResult.Transient"/> (429 and 503 with the <c>Retry-After</c> delay,
    /// seconds or an HTTP date), every other status is <see cref="TransportResult.Permanent"/> with the status and
    /// the start of the body.
    /// </summary>
    /// <param name="response">The provider's response.</param>
    /// <param name="cancellationToken">Cancels reading the body.</param>
    public static Task<TransportResult?> ClassifyStatusAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        ClassifyAsync(response, TimeProvider.System, cancellationToken);

    internal static async Task<TransportResult?> ClassifyAsync(HttpResponseMessage response, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.IsSuccessStatusCode)
        {
            return null;
        }

        var status = (int)response.StatusCode;
        var excerpt = await ReadExcerptAsync(response, cancellationToken).ConfigureAwait(false);
        var error = $"HTTP {status} {response.ReasonPhrase}{(excerpt.Length > 0 ? ": " + excerpt : string.Empty)}";
        return response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || status >= 500
            ? new TransportResult.Transient(error, RetryAfter(response, time))
            : new TransportResult.Permanent(error);
    }

    /// <summary>The delay a response's <c>Retry-After</c> header asks for, when it has one.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    /// <summary>The first <see cref="MaxBodyExcerptLength"/> characters of the body, on one line.</summary>
    internal static async Task<string> ReadExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1024, leaveOpen: true);
            var buffer = new char[MaxBodyExcerptLength + 1];
            var read = await reader.ReadBlockAsync(buffer.AsMemory(), cancellationToken).ConfigureAwait(false);
            var text = new string(buffer, 0, Math.Min(read, MaxBodyExcerptLength)).ReplaceLineEndings(" ").Trim();
            return read > MaxBodyExcerptLength ? text + "…" : text;
        }
    }
}
