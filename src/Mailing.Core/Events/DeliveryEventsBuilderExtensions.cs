using Mailing;
using Mailing.Events;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers provider webhook normalizers on a <see cref="MailingBuilder"/>.</summary>
public static class DeliveryEventsBuilderExtensions
{
    /// <summary>
    /// Accepts Mailgun's event webhooks at <c>POST /delivery-events/mailgun</c>, each checked against
    /// <see cref="MailgunWebhookOptions.SigningKey"/>. Safe to call more than once.
    /// </summary>
    public static MailingBuilder AddMailgunWebhooks(this MailingBuilder builder, Action<MailgunWebhookOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<MailgunWebhookOptions>().Configure(configure)
            .Validate(o => !string.IsNullOrEmpty(o.SigningKey), "MailgunWebhookOptions.SigningKey is required.").ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IDeliveryEventNormalizer, MailgunWebhookNormalizer>());
        return builder;
    }
}
