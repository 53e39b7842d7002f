using System.Net;
using System.Text;
using Mailing.AspNetCore;
using Mailing.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using static Mailing.Tests.AspNetCore.RecipientListEndpointTests;
using static Mailing.Tests.Infrastructure.SampleAppFactory;

namespace Mailing.Tests.AspNetCore;

/// <summary>Limits that keep one client's requests from taking the process: concurrent bulk requests, bodies the server gives up on.</summary>
public sealed class RequestLimitTests
{
    [Fact]
    public async Task A_bulk_request_past_the_concurrency_limit_gets_503_with_retry_after_while_the_others_run()
    {
        var ct = TestContext.Current.CancellationToken;
        var bodyRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = new SampleAppFactory(services => services
            .AddSingleton<IStartupFilter>(new SignalFirstBodyRead(bodyRead))
            .Configure<MailingEndpointOptions>(o => o.MaxConcurrentMembershipRequests = 1)
            .Configure<KestrelServerOptions>(k => k.Limits.MinRequestBodyDataRate = null));
        app.UseKestrel(0);
        app.StartServer();
        using var http = new HttpClient { BaseAddress = app.ClientOptions.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", AcmeKey);
        var rest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            using var slow = new HeldBackContent("""{"sourceObjectKey":"a","email":"a@example.com"}""" + "\n", rest.Task, string.Empty);
            var first = http.PostAsync(new Uri("/api/recipient-lists/one/members/bulk-upsert", UriKind.Relative), slow, ct);
            await bodyRead.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);

            using var second = new StringContent("""{"sourceObjectKey":"b","email":"b@example.com"}""", Encoding.UTF8, "application/x-ndjson");
            var refused = await http.PostAsync(new Uri("/api/recipient-lists/two/reconcile", UriKind.Relative), second, ct);

            await AssertProblem(refused, HttpStatusCode.ServiceUnavailable);
            Assert.NotNull(refused.Headers.RetryAfter);
            rest.SetResult();
            Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        }
        finally
        {
            rest.TrySetResult();
        }
    }

    [Fact]
    public async Task A_body_the_server_gives_up_on_as_too_slow_is_a_408_problem_not_a_500()
    {
        await using var app = new SampleAppFactory(services => services.AddSingleton<IStartupFilter>(new TimingOutBody()));
        using var client = app.ClientFor(AcmeKey);
        using var content = new StringContent("""{"sourceObjectKey":"a","email":"a@example.com"}""", Encoding.UTF8, "application/x-ndjson");

        var response = await client.PostAsync(new Uri("/api/recipient-lists/l/reconcile", UriKind.Relative), content, TestContext.Current.CancellationToken);

        await AssertProblem(response, HttpStatusCode.RequestTimeout);
    }

    /// <summary>Reading the body fails as Kestrel's minimum data rate makes it fail.</summary>
    private sealed class TimingOutBody : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, following) =>
            {
                context.Request.Body = new ThrowingStream();
                await following(context);
            });
            next(app);
        };
    }

    private sealed class ThrowingStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => 0; set => throw new NotSupportedException(); }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new Microsoft.AspNetCore.Http.BadHttpRequestException("Reading the request body timed out due to data arriving too slowly.", StatusCodes.Status408RequestTimeout);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>Bulk bodies spooled to disk live in the app's own temporary folder, emptied at start.</summary>
public sealed class SpoolFolderTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"mailing-spool-test-{Guid.NewGuid():N}");

    [Fact]
    public async Task Bodies_a_crash_left_in_the_apps_temporary_folder_are_deleted_at_start()
    {
        Directory.CreateDirectory(_folder);
        var leftOver = Path.Combine(_folder, "mailing-body-0123456789abcdef.json");
        var other = Path.Combine(_folder, "notes.txt");
        await File.WriteAllTextAsync(leftOver, "{\"members\":[", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(other, "kept", TestContext.Current.CancellationToken);

        await using var app = new SampleAppFactory(services => services.Configure<MailingEndpointOptions>(o => o.TemporaryDirectory = _folder));
        using var client = app.ClientFor(AcmeKey);
        await client.GetUrlAsync("/api/recipient-lists");

        Assert.False(File.Exists(leftOver));
        Assert.True(File.Exists(other));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}
