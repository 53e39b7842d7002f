using Mailing;
using Mailing.Audiences;
using Mailing.Campaigns;
using Mailing.Dispatch;
using Mailing.Contacts;
using Mailing.DependencyInjection;
using Mailing.RecipientLists;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Mailing's core services.</summary>
public static class MailingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the Mailing core services. Safe to call more than once; each call may add configuration.
    /// Follow it with a store, for example <c>.UseEntityFrameworkCore(db =&gt; db.UseSqlite("Data Source=mailing.db"))</c>.
    /// Options are validated when the host starts.
    /// </summary>
    public static MailingBuilder AddMailing(this IServiceCollection services, Action<MailingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        var options = services.AddOptionsWithValidateOnStart<MailingOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MailingOptions>, MailingOptionsAnnotationsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MailingOptions>, MailingOptionsCrossFieldValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddScoped<IRecipientListService, RecipientListService>();
        services.TryAddSingleton<Mailing.RecipientLists.StoreKit.MembershipKit>();
        services.TryAddScoped<IContactService, ContactService>();
        services.TryAddScoped<AudienceService>();
        services.TryAddScoped<IAudienceService>(sp => sp.GetRequiredService<AudienceService>());
        services.TryAddScoped<IAudiencePager>(sp => sp.GetRequiredService<AudienceService>());
        services.TryAddScoped<ICampaignService, CampaignService>();
        services.TryAddSingleton<DispatchSignal>();
        services.TryAddScoped<Mailing.Suppressions.ISuppressionService, Mailing.Suppressions.SuppressionService>();
        services.TryAddScoped<Mailing.Events.IDeliveryEventService, Mailing.Events.DeliveryEventService>();
        services.TryAddSingleton<Mailing.Suppressions.DispatchSuppressions>();
        services.TryAddSingleton<Mailing.Events.DispatchEvents>();
        return new MailingBuilder(services);
    }
}
