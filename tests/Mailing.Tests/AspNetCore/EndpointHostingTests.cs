using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Mailing.AspNetCore;
using Mailing.Stores;
using Mailing.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailing.Tests.AspNetCore;

/// <summary>How MapMailingEndpoints behaves in hosts other than the sample: claims, auth and JSON naming.</summary>
public sealed class EndpointHostingTests
{
    [Fact]
    public async Task Without_an_authenticated_user_the_endpoints_answer_a_401_problem()
    {
        await using var host = await Host.StartAsync();

        var response = await host.Client(headerClaims: null).GetAsync(new Uri("/api/recipient-lists", UriKind.Relative), TestContext.Current.CancellationToken);

        await RecipientListEndpointTests.AssertProblem(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_user_without_the_client_claim_gets_a_403_problem()
    {
        await using var host = await Host.StartAsync();

        var response = await host.Client("role=admin").GetAsync(new Uri("/api/recipient-lists", UriKind.Relative), TestContext.Current.CancellationToken);

        await RecipientListEndpointTests.AssertProblem(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_client_claim_type_is_configurable()
    {
        await using var host = await Host.StartAsync(services => services.Configure<MailingEndpointOptions>(o => o.ClientIdClaimType = "tenant"));

        var response = await host.Client("tenant=acme").PutJsonAsync("/api/recipient-lists/l", new { type = "t" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Invalid_endpoint_options_fail_the_start_listing_every_error()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => Host.StartAsync(services => services.AddMailing().AddEndpoints(o =>
        {
            o.ClientIdClaimType = " ";
            o.MaxMembershipRequestBodySize = 0;
            o.TemporaryDirectory = "relative/folder";
        })));

        Assert.Equal(3, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.Contains(nameof(MailingEndpointOptions.ClientIdClaimType), StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains(nameof(MailingEndpointOptions.MaxMembershipRequestBodySize), StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains(nameof(MailingEndpointOptions.TemporaryDirectory), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Endpoint_options_configured_without_AddEndpoints_are_checked_when_the_endpoints_are_mapped()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            Host.StartAsync(services => services.Configure<MailingEndpointOptions>(o => o.MaxMembershipRequestBodySize = -1)));

        Assert.Contains(nameof(MailingEndpointOptions.MaxMembershipRequestBodySize), Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Map_returns_a_convention_builder_so_the_host_can_add_conventions_to_every_endpoint()
    {
        await using var host = await Host.StartAsync(mapped: endpoints =>
        {
            Assert.IsNotAssignableFrom<RouteGroupBuilder>(endpoints);
            endpoints.AddEndpointFilter((_, _) => ValueTask.FromResult<object?>(Results.StatusCode(418)));
        });

        var response = await host.Client("client_id=acme").GetAsync(new Uri("/api/recipient-lists", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal((HttpStatusCode)418, response.StatusCode);
    }

    [Fact]
    public async Task Snake_case_json_options_rename_bodies_responses_and_problem_fields()
    {
        await using var host = await Host.StartAsync(services =>
            services.ConfigureHttpJsonOptions(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower));
        var client = host.Client("client_id=acme");

        var reconcile = await client.PostJsonAsync("/api/recipient-lists/l/reconcile", new Dictionary<string, object>
        {
            ["members"] = new[] { new Dictionary<string, string> { ["source_object_key"] = "a", ["email"] = "a@example.com" } },
            ["dry_run"] = true,
        });
        var invalid = await client.PutJsonAsync("/api/recipient-lists/l/members/k", new { email = "a@example.com", list = new { name = "no type" } });

        var json = await reconcile.JsonAsync();
        Assert.True(json.GetProperty("dry_run").GetBoolean());
        Assert.Equal("a", json.GetProperty("items")[0].GetProperty("source_object_key").GetString());
        var problem = await RecipientListEndpointTests.AssertProblem(invalid, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("list.type", out _));
    }

    /// <summary>A bare host: TestServer, SQLite file, and a header-driven test authentication.</summary>
    private sealed class Host : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly TempSqliteFile _database;

        private Host(WebApplication app, TempSqliteFile database) => (_app, _database) = (app, database);

        public static async Task<Host> StartAsync(Action<IServiceCollection>? services = null, Action<IEndpointConventionBuilder>? mapped = null)
        {
            var database = new TempSqliteFile();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseTestServer();
            builder.Logging.ClearProviders();
            builder.Services.AddMailing().UseEntityFrameworkCore(db => db.UseSqlite(database.ConnectionString));
            builder.Services.AddAuthentication("Header").AddScheme<AuthenticationSchemeOptions, HeaderClaimsHandler>("Header", null);
            services?.Invoke(builder.Services);
            var app = builder.Build();
            await using (var scope = app.Services.CreateAsyncScope())
            {
                await scope.ServiceProvider.GetRequiredService<IMailingStoreInitializer>().InitializeAsync(TestContext.Current.CancellationToken);
            }

            var host = new Host(app, database);
            try
            {
                app.UseAuthentication();
                var endpoints = app.MapMailingEndpoints();
                mapped?.Invoke(endpoints);
                await app.StartAsync(TestContext.Current.CancellationToken);
                return host;
            }
            catch
            {
                await host.DisposeAsync();
                throw;
            }
        }

        /// <summary>A client whose requests authenticate with the given "type=value" claims (none: anonymous).</summary>
        public HttpClient Client(string? headerClaims)
        {
            var client = _app.GetTestClient();
            if (headerClaims is not null)
            {
                client.DefaultRequestHeaders.Add(HeaderClaimsHandler.Header, headerClaims);
            }

            return client;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.DisposeAsync();
            _database.Dispose();
        }
    }

    /// <summary>Authenticates with the claims listed in the X-Test-Claims header ("type=value;type=value").</summary>
    private sealed class HeaderClaimsHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        public const string Header = "X-Test-Claims";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.TryGetValue(Header, out var value))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var claims = value.ToString().Split(';').Select(pair => pair.Split('=', 2)).Select(p => new Claim(p[0], p[1]));
            var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme.Name));
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name)));
        }
    }
}
