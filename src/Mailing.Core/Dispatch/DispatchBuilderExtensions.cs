using Mailing.Dispatch;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the hosted dispatcher on a <see cref="MailingBuilder"/>.</summary>
public static class DispatchBuilderExtensions
{
    /// <summary>
    /// Runs the dispatch pipeline in this host: due campaigns start by themselves, their deliveries are made
    /// from the audience and sent through the registered transports (<c>AddHttpTransport</c>, <c>AddLogTransport</c>).
    /// Any number of replicas may run it against one database. Safe to call more than once; options are
    /// validated when the host starts.
    /// </summary>
    public static MailingBuilder AddDispatch(this MailingBuilder builder, Action<DispatchOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptionsWithValidateOnStart<DispatchOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DispatchOptions>, DispatchOptionsValidator>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DispatchOptions>, DispatchOptionsCrossFieldValidator>());
        builder.Services.TryAddSingleton<CampaignDispatcher>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DispatchHostedService>());
        return builder;
    }
}
