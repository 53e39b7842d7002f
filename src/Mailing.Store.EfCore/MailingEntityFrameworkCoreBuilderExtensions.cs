using Mailing.Store.EfCore;
using Mailing.Store.EfCore.Stores;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the EF Core store on a <see cref="MailingBuilder"/>.</summary>
public static class MailingEntityFrameworkCoreBuilderExtensions
{
    /// <summary>
    /// Stores Mailing's data through the ready-made <see cref="MailingDbContext"/>, configured by
    /// <paramref name="configure"/> (for example <c>db =&gt; db.UseSqlite("Data Source=mailing.db")</c>
    /// or <c>db =&gt; db.UseNpgsql(connectionString)</c>).
    /// </summary>
    public static MailingBuilder UseEntityFrameworkCore(this MailingBuilder builder, Action<DbContextOptionsBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddDbContext<MailingDbContext>(configure);
        return builder.UseEntityFrameworkCore<MailingDbContext>();
    }

    /// <summary>
    /// Stores Mailing's data through the host's own <typeparamref name="TContext"/>, which must
    /// be registered already and call <c>modelBuilder.UseMailing()</c> in <c>OnModelCreating</c>.
    /// </summary>
    public static MailingBuilder UseEntityFrameworkCore<TContext>(this MailingBuilder builder)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddScoped<IRecipientListStore, EfCoreRecipientListStore<TContext>>();
        builder.Services.TryAddScoped<IContactStore, EfCoreContactStore<TContext>>();
        builder.Services.TryAddScoped<IAudienceStore, EfCoreAudienceStore<TContext>>();
        builder.Services.TryAddScoped<IMailingStoreInitializer, EfCoreStoreInitializer<TContext>>();
        return builder;
    }
}
