using Mailing.Stores;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailing.Benchmarks;

/// <summary>Mailing on a fresh SQLite file in the temp folder, schema created; disposing deletes the file.</summary>
internal sealed class SqliteBenchStore : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"mailing-bench-{Guid.NewGuid():N}.db");

    public SqliteBenchStore(Action<MailingOptions>? configure = null)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMailing(configure).UseEntityFrameworkCore(db => db.UseSqlite($"Data Source={_path}"));
        Services = services.BuildServiceProvider();
        using var scope = Services.CreateScope();
        scope.ServiceProvider.GetRequiredService<IMailingStoreInitializer>().InitializeAsync(default).GetAwaiter().GetResult();
    }

    public ServiceProvider Services { get; }

    public void Dispose()
    {
        Services.Dispose();
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_path + suffix);
        }
    }
}
