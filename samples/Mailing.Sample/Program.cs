using Mailing.Sample;
using OpenTelemetry.Metrics;
using Mailing.Stores;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.FileProviders;
using Microsoft.OpenApi;

var builder = WebApplication.CreateBuilder(args);

// Safe defaults wherever the process starts from: when the content root (the working directory, unless set)
// has no appsettings.json, the one beside the app is read; below both, logging defaults that keep SQL
// commands out of the log. Environment variables and command-line arguments still override everything.
if (!File.Exists(Path.Combine(builder.Environment.ContentRootPath, "appsettings.json")))
{
    builder.Configuration.Sources.Insert(0, new JsonConfigurationSource
    {
        FileProvider = new PhysicalFileProvider(AppContext.BaseDirectory),
        Path = "appsettings.json",
        Optional = true,
    });
}

builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
{
    InitialData = new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Information",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Warning",
    },
});

// Store: Sample:Store = sqlite (default, a local file) or postgres; ConnectionStrings:Mailing.
var store = builder.Configuration["Sample:Store"] ?? "sqlite";
var connectionString = builder.Configuration.GetConnectionString("Mailing");
var mailing = builder.Services.AddMailing();
switch (store.ToUpperInvariant())
{
    case "SQLITE":
        mailing.UseEntityFrameworkCore(db => db.UseSqlite(connectionString ?? "Data Source=mailing.db"));
        break;
    case "POSTGRES" or "POSTGRESQL":
        mailing.UseEntityFrameworkCore(db => db.UseNpgsql(connectionString
            ?? throw new InvalidOperationException("Sample:Store is 'postgres' but ConnectionStrings:Mailing is not set.")));
        break;
    default:
        throw new InvalidOperationException($"Sample:Store must be 'sqlite' or 'postgres', not '{store}'.");
}

// The HTTP API's options (defaults: the client is the client_id claim the API-key handler issues), validated at start.
mailing.AddEndpoints();

// Dispatch: campaigns send themselves in this process. Sample:Transport = log (default: each message to the log and
// to Sample:Log:FilePath, default "sent-messages.jsonl") or http (the external send API at Sample:Http:BaseUrl,
// bearer Sample:Http:Token) or smtp (Sample:Smtp:Host, Port, From, optional UserName/Password).
mailing.AddDispatch();
var transport = builder.Configuration["Sample:Transport"] ?? "log";
switch (transport.ToUpperInvariant())
{
    case "LOG":
        mailing.AddLogTransport(o => o.FilePath = builder.Configuration["Sample:Log:FilePath"] ?? "sent-messages.jsonl");
        break;
    case "HTTP":
        mailing.AddHttpTransport(o =>
        {
            o.BaseUrl = Uri.TryCreate(builder.Configuration["Sample:Http:BaseUrl"], UriKind.Absolute, out var url)
                ? url
                : throw new InvalidOperationException("Sample:Transport is 'http' but Sample:Http:BaseUrl is not an absolute URL.");
            o.Token = builder.Configuration["Sample:Http:Token"];
        });
        break;
    case "SMTP":
        // Plain connection unless Sample:Smtp:Security says otherwise (auto, starttls, ssl), so a local test server works.
        mailing.AddSmtpTransport(o =>
        {
            o.Host = builder.Configuration["Sample:Smtp:Host"]
                ?? throw new InvalidOperationException("Sample:Transport is 'smtp' but Sample:Smtp:Host is not set.");
            o.Port = builder.Configuration.GetValue("Sample:Smtp:Port", 25);
            o.Security = builder.Configuration.GetValue("Sample:Smtp:Security", Mailing.Dispatch.Smtp.SmtpSecurity.None);
            o.FromAddress = builder.Configuration["Sample:Smtp:From"]
                ?? throw new InvalidOperationException("Sample:Transport is 'smtp' but Sample:Smtp:From is not set.");
            o.FromName = builder.Configuration["Sample:Smtp:FromName"];
            o.UserName = builder.Configuration["Sample:Smtp:UserName"];
            o.Password = builder.Configuration["Sample:Smtp:Password"];
        });
        break;
    default:
        throw new InvalidOperationException($"Sample:Transport must be 'log', 'http' or 'smtp', not '{transport}'.");
}

// One-click unsubscribe: operational and bulk email carry a signed link to {Sample:Unsubscribe:BaseUrl}/{client}?token=….
mailing.AddOneClickUnsubscribe(o => o.BaseUrl = new Uri(builder.Configuration["Sample:Unsubscribe:BaseUrl"] ?? "http://localhost:5000/unsubscribe"));
// Daily report (off unless Sample:DailyReport:Recipients lists addresses): yesterday's figures per campaign, sent through
// the transport above at Sample:DailyReport:TimeOfDay (default 07:00) in Sample:DailyReport:TimeZone (default UTC).
var reportRecipients = builder.Configuration.GetSection("Sample:DailyReport:Recipients").Get<string[]>();
if (reportRecipients is { Length: > 0 })
{
    mailing.AddDailyReport(o =>
    {
        foreach (var recipient in reportRecipients)
        {
            o.Recipients.Add(recipient);
        }

        o.TimeZone = builder.Configuration["Sample:DailyReport:TimeZone"] ?? "UTC";
        o.TimeOfDay = TimeOnly.Parse(builder.Configuration["Sample:DailyReport:TimeOfDay"] ?? "07:00", System.Globalization.CultureInfo.InvariantCulture);
    });
}

// Metrics: the Mailing meter (deliveries by status, send latency) and ASP.NET's, in Prometheus text format at /metrics.
builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
    .AddMeter("Mailing")
    .AddMeter("Microsoft.AspNetCore.Hosting")
    .AddPrometheusExporter());

// Authentication: X-Api-Key header, keys mapped to client ids under Sample:ApiKeys; or, for the operator console, a
// cookie that /console/login hands out in exchange for such a key (SameSite=Strict, plus a header check on writes).
builder.Services.AddApiKeyOrConsoleCookie();
builder.Services.AddAuthorization();
builder.Services.AddProblemDetails();

builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
{
    document.Info.Title = "Mailing sample API";
    document.Info.Description = "Client-scoped recipient lists, contacts, audience counts and campaigns that send themselves. Authenticate with the X-Api-Key header.";
    document.Components ??= new OpenApiComponents();
    document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
    document.Components.SecuritySchemes[ApiKeyAuthenticationHandler.SchemeName] = new OpenApiSecurityScheme
    {
        Type = SecuritySchemeType.ApiKey,
        In = ParameterLocation.Header,
        Name = ApiKeyAuthenticationHandler.HeaderName,
        Description = "An API key from Sample:ApiKeys.",
    };
    document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, document)] = [] }];
    return Task.CompletedTask;
}));

var app = builder.Build();

await using (var scope = app.Services.CreateAsyncScope())
{
    await scope.ServiceProvider.GetRequiredService<IMailingStoreInitializer>().InitializeAsync(app.Lifetime.ApplicationStopping);
}

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseAuthentication();
app.UseConsoleRequestForgeryCheck();
app.UseAuthorization();
app.UseAntiforgery();

app.MapOpenApi();
app.UseSwaggerUI(ui =>
{
    ui.RoutePrefix = "docs";
    ui.DocumentTitle = "Mailing sample API";
    ui.SwaggerEndpoint("/openapi/v1.json", "Mailing sample API");
});
app.MapGet("/", () => Results.Redirect("/docs")).ExcludeFromDescription();

app.MapMailingEndpoints("/api").RequireAuthorization();
app.MapMailingUnsubscribe("/unsubscribe");
app.MapConsoleSignIn();
app.MapMailingConsole("/console", o =>
{
    o.ApiPrefix = "/api";
    o.SignOutPath = "/console/logout";
}).RequireAuthorization();
app.MapPrometheusScrapingEndpoint("/metrics");

await app.RunAsync();

/// <summary>The sample's entry point (public so tests can host it with WebApplicationFactory).</summary>
public partial class Program;
