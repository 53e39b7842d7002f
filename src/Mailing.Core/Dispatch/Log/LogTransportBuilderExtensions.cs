using Mailing;
using Mailing.Dispatch;
using Mailing.Dispatch.Log;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the log/file transport on a <see cref="MailingBuilder"/>.</summary>
public static class LogTransportBuilderExtensions
{
    /// <summary>
    /// Adds a transport for local runs: every message is logged (ids, address, a truncated body) and, with
    /// <see cref="LogTransportOptions.FilePath"/>, appended to a file as one JSON line; every message is accepted.
    /// It sends every channel by default, so register it after the transports that should win (the first
    /// transport that can send a channel is used), or narrow <see cref="LogTransportOptions.Channels"/>.
    /// Safe to call more than once.
    /// </summary>
    /// <param name="builder">The Mailing builder.</param>
    /// <param name="configure">Sets the file and channels; optional.</param>
    public static MailingBuilder AddLogTransport(this MailingBuilder builder, Action<LogTransportOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptionsWithValidateOnStart<LogTransportOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LogTransportOptions>, LogTransportOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IMessageTransport, LogMessageTransport>());
        return builder;
    }
}
