using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mailing.Tests.Infrastructure;

/// <summary>How <see cref="FakeSendProvider"/> answers a request.</summary>
public enum FakeSendMode
{
    /// <summary>200 <c>{"code": 0, "message": "OK"}</c>; the request is recorded as accepted.</summary>
    Ok,

    /// <summary>Waits <see cref="FakeSendProvider.SlowDelay"/>, then answers like <see cref="Ok"/> (unless the client gave up).</summary>
    Slow,

    /// <summary>500 with a short text body.</summary>
    ServerError,

    /// <summary>429 with <c>Retry-After: </c><see cref="FakeSendProvider.RetryAfter"/>.</summary>
    TooManyRequests,

    /// <summary>200 with a body that is not the API's JSON.</summary>
    GarbageBody,

    /// <summary>400 with a JSON error body: a permanent refusal.</summary>
    BadRequest,

    /// <summary>Every <see cref="FakeSendProvider.FailEvery"/>-th request (counting all requests) gets a 500, the others <see cref="Ok"/>.</summary>
    FailEveryNth,

    /// <summary>Drops the connection without an answer, as a provider that went away mid-request.</summary>
    Absent,
}

/// <summary>One request the fake provider received.</summary>
/// <param name="Number">1 for the first request the provider received, then 2, 3, …</param>
/// <param name="MessageId">The <c>{id}</c> of <c>/v1/send/{id}</c>.</param>
/// <param name="IdempotencyKey">The <c>Idempotency-Key</c> header, if any.</param>
/// <param name="Authorization">The <c>Authorization</c> header, if any.</param>
/// <param name="Body">The request body as text.</param>
/// <param name="ReceivedAt">When it arrived.</param>
public sealed record FakeSendRequest(int Number, long MessageId, string? IdempotencyKey, string? Authorization, string Body, DateTimeOffset ReceivedAt);

/// <summary>
/// A stand-in for the external send API (<c>POST /v1/send/{id}</c>) on a real Kestrel server bound to a free
/// loopback port, with switchable failure modes and a thread-safe log of what it received and accepted.
/// </summary>
/// <example>
/// <code>
/// await using var provider = await FakeSendProvider.StartAsync();
/// provider.Mode = FakeSendMode.ServerError;
/// provider.Script(FakeSendMode.TooManyRequests, FakeSendMode.Ok); // the next two answers, then Mode again
/// … new HttpTransportOptions { BaseUrl = provider.BaseUrl } …
/// Assert.Single(provider.Accepted);
/// </code>
/// </example>
public sealed class FakeSendProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeSendRequest> _received = new();
    private readonly ConcurrentQueue<FakeSendRequest> _accepted = new();
    private readonly ConcurrentQueue<FakeSendMode> _script = new();
    private int _count;
    private int _stopped;

    private FakeSendProvider(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>The provider's address, <c>http://127.0.0.1:{port}/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>How requests are answered when no scripted answer is queued. Default <see cref="FakeSendMode.Ok"/>.</summary>
    public FakeSendMode Mode { get; set; } = FakeSendMode.Ok;

    /// <summary>How long <see cref="FakeSendMode.Slow"/> waits. Default 5 seconds.</summary>
    public TimeSpan SlowDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The <c>Retry-After</c> value of <see cref="FakeSendMode.TooManyRequests"/>: delta-seconds or an HTTP date. Default <c>"1"</c>.</summary>
    public string RetryAfter { get; set; } = "1";

    /// <summary>N of <see cref="FakeSendMode.FailEveryNth"/>. Default 2.</summary>
    public int FailEvery { get; set; } = 2;

    /// <summary>When set, requests without <c>Authorization: Bearer {RequiredToken}</c> get a 401.</summary>
    public string? RequiredToken { get; set; }

    /// <summary>Every request received, in arrival order.</summary>
    public IReadOnlyList<FakeSendRequest> Received => [.. _received];

    /// <summary>The requests answered with success, in the order they were answered.</summary>
    public IReadOnlyList<FakeSendRequest> Accepted => [.. _accepted];

    /// <summary>
    /// An address nothing listens on (a port bound and released at once), so connecting is refused: a provider
    /// that is down.
    /// </summary>
    public static Uri UnusedBaseUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}/");
    }

    /// <summary>Starts a provider on a free port of 127.0.0.1.</summary>
    public static async Task<FakeSendProvider> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();

        FakeSendProvider? provider = null;
        app.MapPost("/v1/send/{id:long}", (HttpContext context, long id) => provider!.HandleAsync(context, id));
        await app.StartAsync(cancellationToken);

        provider = new FakeSendProvider(app, new Uri(app.Urls.Single().TrimEnd('/') + "/"));
        return provider;
    }

    /// <summary>Queues answers for the next requests, in order; when they are used up, <see cref="Mode"/> applies again.</summary>
    public void Script(params FakeSendMode[] modes)
    {
        foreach (var mode in modes)
        {
            _script.Enqueue(mode);
        }
    }

    /// <summary>Stops listening: later connections are refused (the address stays <see cref="BaseUrl"/>).</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync();
        }
    }

    /// <summary>Stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context, long id)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var number = Interlocked.Increment(ref _count);
        var request = new FakeSendRequest(
            number,
            id,
            context.Request.Headers["Idempotency-Key"].FirstOrDefault(),
            context.Request.Headers.Authorization.FirstOrDefault(),
            body,
            DateTimeOffset.UtcNow);
        _received.Enqueue(request);

        if (RequiredToken is { } token && request.Authorization != "Bearer " + token)
        {
            await Answer(context, StatusCodes.Status401Unauthorized, """{"code": 401, "message": "Unauthorized"}""");
            return;
        }

        var mode = _script.TryDequeue(out var scripted) ? scripted : Mode;
        switch (mode)
        {
            case FakeSendMode.Slow:
                try
                {
                    await Task.Delay(SlowDelay, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return; // the client gave up
                }

                await Accept(context, request);
                break;
            case FakeSendMode.ServerError:
                await Answer(context, StatusCodes.Status500InternalServerError, "internal error", "text/plain");
                break;
            case FakeSendMode.TooManyRequests:
                context.Response.Headers.RetryAfter = RetryAfter;
                await Answer(context, StatusCodes.Status429TooManyRequests, """{"code": 429, "message": "Too many requests"}""");
                break;
            case FakeSendMode.GarbageBody:
                await Answer(context, StatusCodes.Status200OK, "<html><body>Service temporarily replaced by a cat</body></html>", "text/html");
                break;
            case FakeSendMode.BadRequest:
                await Answer(context, StatusCodes.Status400BadRequest, """{"code": 400, "message": "Invalid phone number"}""");
                break;
            case FakeSendMode.FailEveryNth when number % FailEvery == 0:
                await Answer(context, StatusCodes.Status500InternalServerError, "internal error", "text/plain");
                break;
            case FakeSendMode.Absent:
                context.Abort();
                break;
            default:
                await Accept(context, request);
                break;
        }
    }

    private async Task Accept(HttpContext context, FakeSendRequest request)
    {
        _accepted.Enqueue(request);
        await Answer(context, StatusCodes.Status200OK, """{"code": 0, "message": "OK"}""");
    }

    private static async Task Answer(HttpContext context, int status, string body, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body, context.RequestAborted);
    }
}
