using Mailing.Store.EfCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailing.Tests.Infrastructure;

/// <summary>Mailing on the EF Core store, with the PostgreSQL write path chosen by the set-based threshold.</summary>
internal static class StoreServices
{
    /// <summary>A threshold that sends every PostgreSQL request down the set-based path.</summary>
    public const int SetBased = 0;

    /// <summary>A threshold that keeps every request on the batched path.</summary>
    public const int Batched = int.MaxValue - 1;

    public static ServiceProvider Build(Action<DbContextOptionsBuilder> database, int setBasedThreshold) =>
        Build(database, setBasedThreshold, new MailingOptions().ItemDetailLimit, new MailingEntityFrameworkCoreOptions().PostgresFewRows);

    /// <summary>With a lower item detail limit and "few rows", so the set-based path's large-request handling starts early.</summary>
    public static ServiceProvider Build(Action<DbContextOptionsBuilder> database, int setBasedThreshold, int itemDetailLimit, int fewRows)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddMailing(o => o.ItemDetailLimit = itemDetailLimit).UseEntityFrameworkCore(database, store =>
        {
            store.PostgresSetBasedThreshold = setBasedThreshold;
            store.PostgresFewRows = fewRows;
        });
        return services.BuildServiceProvider();
    }
}
