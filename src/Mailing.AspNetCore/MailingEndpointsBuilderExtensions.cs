using Mailing.AspNetCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the options of Mailing's HTTP endpoints on a <see cref="MailingBuilder"/>.</summary>
public static class MailingEndpointsBuilderExtensions
{
    /// <summary>
    /// Configures the endpoints that <c>app.MapMailingEndpoints()</c> maps and validates their options when the host
    /// starts, listing every error. Safe to call more than once; each call may add configuration.
    /// </summary>
    public static MailingBuilder AddEndpoints(this MailingBuilder builder, Action<MailingEndpointOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptionsWithValidateOnStart<MailingEndpointOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MailingEndpointOptions>, MailingEndpointOptionsAnnotationsValidator>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<MailingEndpointOptions>, MailingEndpointOptionsPathValidator>());
        return builder;
    }
}
