using Mailing.Stores;
using Microsoft.EntityFrameworkCore;

namespace Mailing.Store.EfCore.Stores;

/// <summary>
/// Creates the schema when the database has none (<c>EnsureCreated</c>). Lifetime: scoped.
/// Hosts that manage their schema with EF Core migrations do not need to call it.
/// </summary>
internal sealed class EfCoreStoreInitializer<TContext>(TContext db) : IMailingStoreInitializer
    where TContext : DbContext
{
    public Task InitializeAsync(CancellationToken cancellationToken) => db.Database.EnsureCreatedAsync(cancellationToken);
}
