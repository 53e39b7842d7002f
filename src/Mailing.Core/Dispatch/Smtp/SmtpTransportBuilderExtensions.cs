using Mailing;
using Mailing.Dispatch;
using Mailing.Dispatch.Smtp;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SMTP transport on a <see cref="MailingBuilder"/>.</summary>
public static class SmtpTransportBuilderExtensions
{
    /// <summary>
    /// Sends email through an SMTP server (MailKit): MIME with a text part and, for HTML bodies, an HTML part;
    /// a <c>Message-ID</c> per delivery that becomes its provider message id; for operational and bulk mail,
    /// <c>List-Unsubscribe</c> and <c>List-Unsubscribe-Post</c> (RFC 8058) when an <see cref="IListUnsubscribeLinks"/>
    /// is registered (or <see cref="SmtpTransportOptions.UnsubscribeMailto"/> is set). Connections are pooled.
    /// Safe to call more than once; options are validated when the host starts.
    /// </summary>
    /// <param name="builder">The Mailing builder.</param>
    /// <param name="configure">Sets the server, credentials, sender and limits.</param>
    public static MailingBuilder AddSmtpTransport(this MailingBuilder builder, Action<SmtpTransportOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var services = builder.Services;
        services.AddOptionsWithValidateOnStart<SmtpTransportOptions>().Configure(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmtpTransportOptions>, SmtpTransportOptionsAnnotationsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmtpTransportOptions>, SmtpTransportOptionsCrossFieldValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageTransport, SmtpMessageTransport>());
        return builder;
    }
}
