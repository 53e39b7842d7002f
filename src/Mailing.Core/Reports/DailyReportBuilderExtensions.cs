using Mailing.Reports;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the daily report on a <see cref="MailingBuilder"/>.</summary>
public static class DailyReportBuilderExtensions
{
    /// <summary>
    /// Sends, once a day at <see cref="DailyReportOptions.TimeOfDay"/> in <see cref="DailyReportOptions.TimeZone"/>, the
    /// previous day's figures of each campaign that ran (sent, failed, expired, suppressed) to
    /// <see cref="DailyReportOptions.Recipients"/> through a registered transport. Off unless called. With several
    /// replicas, the store's claim on each day makes exactly one of them send it. Options are validated at start.
    /// </summary>
    public static MailingBuilder AddDailyReport(this MailingBuilder builder, Action<DailyReportOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptionsWithValidateOnStart<DailyReportOptions>().Configure(configure);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DailyReportOptions>, DailyReportOptionsValidator>());
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DailyReportOptions>, DailyReportOptionsCrossFieldValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<DailyReportSender>();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, DailyReportHostedService>());
        return builder;
    }
}
