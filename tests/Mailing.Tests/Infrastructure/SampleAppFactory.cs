using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mailing.Tests.Infrastructure;

/// <summary>
/// The sample app in the Development environment (two demo API keys: <see cref="AcmeKey"/> and
/// <see cref="GlobexKey"/>), on its own SQLite file. Optionally on a real Kestrel port.
/// </summary>
public sealed class SampleAppFactory : WebApplicationFactory<Program>
{
    public const string AcmeKey = "demo-key-acme";
    public const string GlobexKey = "demo-key-globex";

    private readonly TempSqliteFile _database = new();
    private readonly Action<IServiceCollection>? _services;

    public SampleAppFactory(Action<IServiceCollection>? services = null) => _services = services;

    public string DatabasePath => _database.Path;

    /// <summary>Where the sample's log transport writes each message it sends (one JSON line each).</summary>
    public string SentMessagesPath { get; } = Path.Combine(Path.GetTempPath(), $"mailing-sent-{Guid.NewGuid():N}.jsonl");

    /// <summary>The database file's bytes (no connection holds it open between requests).</summary>
    public byte[] DatabaseBytes() => File.ReadAllBytes(_database.Path);

    public HttpClient ClientFor(string? apiKey)
    {
        var client = CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        builder.UseSetting("ConnectionStrings:Mailing", _database.ConnectionString);
        builder.UseSetting("Sample:Store", "sqlite");
        builder.UseSetting("Sample:Log:FilePath", SentMessagesPath);
        if (_services is not null)
        {
            builder.ConfigureServices(_services);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _database.Dispose();
        File.Delete(SentMessagesPath);
    }
}

/// <summary>JSON helpers for the HTTP tests.</summary>
internal static class HttpJson
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string url, object body) =>
        client.PutAsJsonAsync(url, body, TestContext.Current.CancellationToken);

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body, TestContext.Current.CancellationToken);

    public static Task<HttpResponseMessage> GetUrlAsync(this HttpClient client, string url) =>
        client.GetAsync(new Uri(url, UriKind.Relative), TestContext.Current.CancellationToken);

    public static string[] Strings(this JsonElement array, string property) =>
        [.. array.EnumerateArray().Select(e => e.GetProperty(property).GetString()!)];
}
