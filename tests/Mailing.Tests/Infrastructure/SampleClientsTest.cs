namespace Mailing.Tests.Infrastructure;

/// <summary>A test class driving the sample host (TestServer, its own SQLite file) as the two demo clients.</summary>
public abstract class SampleClientsTest : IAsyncLifetime
{
    protected SampleAppFactory App { get; } = new();

    /// <summary>Authenticated as client <c>acme</c>.</summary>
    protected HttpClient Acme { get; private set; } = null!;

    /// <summary>Authenticated as client <c>globex</c>.</summary>
    protected HttpClient Globex { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Acme = App.ClientFor(SampleAppFactory.AcmeKey);
        Globex = App.ClientFor(SampleAppFactory.GlobexKey);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        Acme.Dispose();
        Globex.Dispose();
        await App.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
