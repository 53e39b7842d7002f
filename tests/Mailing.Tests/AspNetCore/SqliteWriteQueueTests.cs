using System.Net;
using System.Text;
using Mailing.Store.EfCore;
using Mailing.Store.EfCore.Dialects.Sqlite;
using Mailing.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using static Mailing.Tests.AspNetCore.RecipientListEndpointTests;
using static Mailing.Tests.Infrastructure.SampleAppFactory;

namespace Mailing.Tests.AspNetCore;

/// <summary>
/// SQLite writes one transaction at a time: a body is received whole before its write starts, writes queue
/// up in the process, and a write that cannot get its turn in time is a 503 with Retry-After, never a 500.
/// </summary>
public sealed class SqliteWriteQueueTests : IAsyncLifetime
{
    private readonly SampleAppFactory _app = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Another_clients_write_finishes_while_a_slow_ndjson_reconcile_uploads()
    {
        var ct = TestContext.Current.CancellationToken;
        var bodyRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = new SampleAppFactory(services => services
            .AddSingleton<IStartupFilter>(new SignalFirstBodyRead(bodyRead))
            .Configure<KestrelServerOptions>(k => k.Limits.MinRequestBodyDataRate = null)); // the upload may pause as long as the test needs
        app.UseKestrel(0);
        app.StartServer();
        using var acme = new HttpClient { BaseAddress = app.ClientOptions.BaseAddress };
        using var globex = new HttpClient { BaseAddress = app.ClientOptions.BaseAddress };
        acme.DefaultRequestHeaders.Add("X-Api-Key", AcmeKey);
        globex.DefaultRequestHeaders.Add("X-Api-Key", GlobexKey);
        var rest = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            using var content = new HeldBackContent(
                """{"sourceObjectKey":"a","email":"a@example.com"}""" + "\n", rest.Task, """{"sourceObjectKey":"b","email":"b@example.com"}""" + "\n");
            var upload = acme.PostAsync(new Uri("/api/recipient-lists/import/reconcile", UriKind.Relative), content, ct);
            await bodyRead.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);

            var write = await globex.PutJsonAsync("/api/recipient-lists/other", new { type = "t" }).WaitAsync(TimeSpan.FromSeconds(10), ct);

            Assert.Equal(HttpStatusCode.Created, write.StatusCode);
            Assert.False(upload.IsCompleted);
            rest.SetResult();
            var reconciled = await (await upload).JsonAsync();
            Assert.Equal(2, reconciled.GetProperty("counts").GetProperty("added").GetInt32());
        }
        finally
        {
            rest.TrySetResult();
        }
    }

    [Fact]
    public async Task A_write_that_cannot_get_its_turn_in_time_is_a_503_with_retry_after_and_writes_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var app = _app.WithWebHostBuilder(b => b.ConfigureServices(s => s.Configure<MailingEntityFrameworkCoreOptions>(o => o.SqliteWriteWait = TimeSpan.Zero)));
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", AcmeKey);
        await using var scope = app.Services.CreateAsyncScope();
        var before = _app.DatabaseBytes();

        HttpResponseMessage response;
        using (await app.Services.GetRequiredService<SqliteWriteGate>().EnterAsync(scope.ServiceProvider.GetRequiredService<MailingDbContext>(), ct))
        {
            response = await client.PutJsonAsync("/api/recipient-lists/l", new { type = "t" });
        }

        await AssertProblem(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
        Assert.Equal(before, _app.DatabaseBytes());
    }

    [Fact]
    public async Task A_write_blocked_by_another_process_past_sqlites_busy_timeout_is_a_503_not_a_500()
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = new SqliteConnectionStringBuilder { DataSource = _app.DatabasePath, Pooling = false, DefaultTimeout = 1 }.ToString();
        await using var app = _app.WithWebHostBuilder(b => b.UseSetting("ConnectionStrings:Mailing", connectionString));
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", AcmeKey);
        await client.PutJsonAsync("/api/recipient-lists/warm-up", new { type = "t" });

        HttpResponseMessage response;
        await using (var other = new SqliteConnection(connectionString))
        {
            await other.OpenAsync(ct);
            await using var exclusive = other.CreateCommand();
            exclusive.CommandText = "BEGIN EXCLUSIVE";
            await exclusive.ExecuteNonQueryAsync(ct);
            response = await client.PutJsonAsync("/api/recipient-lists/l", new { type = "t" });
        }

        await AssertProblem(response, HttpStatusCode.ServiceUnavailable);
        Assert.NotNull(response.Headers.RetryAfter);
    }
}
