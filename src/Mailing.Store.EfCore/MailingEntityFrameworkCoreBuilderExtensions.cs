using Mailing.Store.EfCore;
using Mailing.Store.EfCore.Audiences;
using Mailing.Store.EfCore.Campaigns;
using Mailing.Store.EfCore.Contacts;
using Mailing.Store.EfCore.Dialects.Sqlite;
using Mailing.Store.EfCore.Migrations;
using Mailing.Store.EfCore.RecipientLists;
using Mailing.Store.EfCore.Reports;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the EF Core store on a <see cref="MailingBuilder"/>.</summary>
public static class MailingEntityFrameworkCoreBuilderExtensions
{
    /// <summary>
    /// Stores Mailing's data through the ready-made <see cref="MailingDbContext"/>, configured by
    /// <paramref name="configure"/> (for example <c>db =&gt; db.UseSqlite("Data Source=mailing.db")</c>
    /// or <c>db =&gt; db.UseNpgsql(connectionString)</c>).
    /// </summary>
    /// <param name="builder">The Mailing builder.</param>
    /// <param name="configure">Configures the context's provider and connection.</param>
    /// <param name="store">Configures the store (<see cref="MailingEntityFrameworkCoreOptions"/>).</param>
    public static MailingBuilder UseEntityFrameworkCore(
        this MailingBuilder builder, Action<DbContextOptionsBuilder> configure, Action<MailingEntityFrameworkCoreOptions>? store = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddDbContext<MailingDbContext>(configure);
        return builder.UseEntityFrameworkCore<MailingDbContext>(store);
    }

    /// <summary>
    /// Stores Mailing's data through the host's own <typeparamref name="TContext"/>, which must
    /// be registered already and call <c>modelBuilder.UseMailing()</c> in <c>OnModelCreating</c>.
    /// </summary>
    /// <param name="builder">The Mailing builder.</param>
    /// <param name="store">Configures the store (<see cref="MailingEntityFrameworkCoreOptions"/>).</param>
    public static MailingBuilder UseEntityFrameworkCore<TContext>(this MailingBuilder builder, Action<MailingEntityFrameworkCoreOptions>? store = null)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptionsWithValidateOnStart<MailingEntityFrameworkCoreOptions>();
        builder.Services.TryAddEnumerable(
            ServiceDescriptor.Singleton<IValidateOptions<MailingEntityFrameworkCoreOptions>, MailingEntityFrameworkCoreOptionsValidator>());
        if (store is not null)
        {
            options.Configure(store);
        }

        builder.Services.TryAddSingleton<SqliteWriteGate>();
        builder.Services.TryAddScoped<IRecipientListStore, EfCoreRecipientListStore<TContext>>();
        builder.Services.TryAddScoped<IContactStore, EfCoreContactStore<TContext>>();
        builder.Services.TryAddScoped<IAudienceStore, EfCoreAudienceStore<TContext>>();
        builder.Services.TryAddScoped<ICampaignStore, EfCoreCampaignStore<TContext>>();
        builder.Services.TryAddScoped<ISuppressionStore, Mailing.Store.EfCore.Suppressions.EfCoreSuppressionStore<TContext>>();
        builder.Services.TryAddScoped<IDeliveryEventStore, Mailing.Store.EfCore.Events.EfCoreDeliveryEventStore<TContext>>();
        builder.Services.TryAddScoped<IDailyReportStore, EfCoreDailyReportStore<TContext>>();
        builder.Services.TryAddScoped<IMailingStoreInitializer, EfCoreStoreInitializer<TContext>>();
        return builder;
    }
}
