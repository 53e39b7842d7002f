using Mailing;
using Mailing.AspNetCore.Unsubscribe;
using Mailing.Dispatch;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers one-click unsubscribe on a <see cref="MailingBuilder"/>.</summary>
public static class OneClickUnsubscribeBuilderExtensions
{
    /// <summary>
    /// Gives every operational and bulk email a signed, expiring unsubscribe link (ASP.NET Core Data Protection),
    /// which the SMTP transport puts in <c>List-Unsubscribe</c> with <c>List-Unsubscribe-Post</c>. Map the endpoint with
    /// <c>app.MapMailingUnsubscribe()</c>. Configure Data Protection's key ring to be shared by every replica (and to
    /// persist), or links stop working across replicas and restarts. Safe to call more than once.
    /// </summary>
    public static MailingBuilder AddOneClickUnsubscribe(this MailingBuilder builder, Action<OneClickUnsubscribeOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddDataProtection();
        builder.Services.AddOptions<OneClickUnsubscribeOptions>().Configure(configure)
            .Validate(o => o.BaseUrl is { IsAbsoluteUri: true } u && (u.Scheme == Uri.UriSchemeHttps || u.Scheme == Uri.UriSchemeHttp),
                "OneClickUnsubscribeOptions.BaseUrl must be an absolute http(s) URL.")
            .Validate(o => o.TokenLifetime > TimeSpan.Zero, "OneClickUnsubscribeOptions.TokenLifetime must be positive.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<UnsubscribeTokens>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IListUnsubscribeLinks, UnsubscribeTokens>(sp => sp.GetRequiredService<UnsubscribeTokens>()));
        return builder;
    }
}
