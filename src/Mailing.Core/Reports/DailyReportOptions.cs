using System.ComponentModel.DataAnnotations;
using Mailing.Dispatch;
using Microsoft.Extensions.Options;

namespace Mailing.Reports;

/// <summary>
/// Options of the daily report, configured by <c>AddDailyReport(o =&gt; …)</c>; validated at start (every error listed).
/// Once a day, at <see cref="TimeOfDay"/> in <see cref="TimeZone"/>, the previous day's figures of every campaign that
/// ran that day (sent, failed, expired, suppressed) go to <see cref="Recipients"/>.
/// </summary>
public sealed class DailyReportOptions
{
    /// <summary>When to send, in <see cref="TimeZone"/>. Default 07:00.</summary>
    public TimeOnly TimeOfDay { get; set; } = new(7, 0);

    /// <summary>The IANA time zone that sets the report's time and the bounds of its day. Default <c>UTC</c>.</summary>
    [Required]
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Where the report goes: email addresses for <see cref="MessageChannel.Email"/> (at least one).</summary>
    [Required]
    [MinLength(1)]
    public IList<string> Recipients { get; } = [];

    /// <summary>The channel to send with. Default <see cref="MessageChannel.Email"/>.</summary>
    public MessageChannel Channel { get; set; } = MessageChannel.Email;

    /// <summary>
    /// The name of the registered transport to send with (<c>http</c>, <c>log</c>, …); <see langword="null"/> (the default)
    /// takes the first registered transport that can send <see cref="Channel"/>, as the dispatcher does.
    /// </summary>
    public string? Transport { get; set; }

    /// <summary>
    /// The client whose campaigns the report covers; <see langword="null"/> (the default) covers every client, grouped by
    /// client.
    /// </summary>
    [MaxLength(MailingLimits.MaxClientIdLength)]
    public string? ClientId { get; set; }

    /// <summary>How long to wait before trying again when no recipient took the report. Default 5 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "06:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a replica's claim on a day's report holds; a replica that died while sending loses it after this and
    /// another sends the report. Default 10 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:10", "06:00:00")]
    public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(10);
}

/// <summary>The DataAnnotations rules of <see cref="DailyReportOptions"/>, checked by a generated validator.</summary>
[OptionsValidator]
internal sealed partial class DailyReportOptionsValidator : IValidateOptions<DailyReportOptions>;

/// <summary>Rules that need more than one field, or the registered transports.</summary>
internal sealed class DailyReportOptionsCrossFieldValidator(IEnumerable<IMessageTransport> transports) : IValidateOptions<DailyReportOptions>
{
    public ValidateOptionsResult Validate(string? name, DailyReportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (!System.TimeZoneInfo.TryFindSystemTimeZoneById(options.TimeZone ?? "", out _))
        {
            errors.Add($"{nameof(DailyReportOptions.TimeZone)} '{options.TimeZone}' is not a known IANA time zone (for example Europe/Moscow).");
        }

        for (var i = 0; i < options.Recipients.Count; i++)
        {
            var recipient = options.Recipients[i];
            if (string.IsNullOrWhiteSpace(recipient))
            {
                errors.Add($"{nameof(DailyReportOptions.Recipients)}[{i}] is empty.");
            }
            else if (options.Channel == MessageChannel.Email && Validation.InputRules.CheckEmail(recipient, out _, out _) is { } error)
            {
                errors.Add($"{nameof(DailyReportOptions.Recipients)}[{i}]: {error}");
            }
        }

        if (DailyReportSender.FindTransport(transports, options) is null)
        {
            errors.Add(options.Transport is null
                ? $"No registered transport can send {options.Channel} messages: add one (AddHttpTransport, AddLogTransport) before the report can be sent."
                : $"No registered transport named '{options.Transport}' can send {options.Channel} messages.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
