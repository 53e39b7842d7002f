using System.Globalization;
using System.Text;
using Mailing.Dispatch;
using Mailing.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailing.Reports;

/// <summary>
/// Makes and sends one day's report: claims the day in the store (so one replica sends it), reads the figures,
/// renders a plain-text table and hands it to the transport once per recipient. Lifetime: singleton; opens a scope
/// per report.
/// </summary>
internal sealed partial class DailyReportSender(
    IServiceScopeFactory scopes,
    IEnumerable<IMessageTransport> transports,
    IOptions<DailyReportOptions> options,
    TimeProvider time,
    ILogger<DailyReportSender> logger)
{
    /// <summary>The client id of a report over every client.</summary>
    internal const string AllClients = "*";

    private readonly IMessageTransport[] _transports = [.. transports];

    /// <summary>The transport the options name, or the first that can send their channel.</summary>
    internal static IMessageTransport? FindTransport(IEnumerable<IMessageTransport> transports, DailyReportOptions options) =>
        transports.FirstOrDefault(t => t.CanSend(options.Channel) && (options.Transport is null || string.Equals(t.Name, options.Transport, StringComparison.OrdinalIgnoreCase)));

    /// <summary>What became of one attempt at a day's report.</summary>
    internal enum Outcome
    {
        /// <summary>This replica sent it.</summary>
        Sent,

        /// <summary>It was sent already, or another replica is sending it.</summary>
        NotOurs,

        /// <summary>No recipient took it; try again later.</summary>
        Failed,
    }

    /// <summary>Sends the report of <paramref name="day"/> (a day in the options' time zone) unless it went out already.</summary>
    public async Task<Outcome> SendAsync(DateOnly day, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(settings.TimeZone);
        var key = settings.ClientId ?? AllClients;
        var scope = scopes.CreateAsyncScope();
        await using (scope.ConfigureAwait(false))
        {
            var store = scope.ServiceProvider.GetRequiredService<IDailyReportStore>();
            if (await store.TryClaimAsync(key, day, time.GetUtcNow(), settings.ClaimLease, cancellationToken).ConfigureAwait(false) is not { } token)
            {
                LogNotOurs(day, key);
                return Outcome.NotOurs;
            }

            var start = DailySchedule.StartOfDay(day, zone);
            var until = DailySchedule.StartOfDay(day.AddDays(1), zone);
            var figures = await store.GetFiguresAsync(settings.ClientId, start, until, cancellationToken).ConfigureAwait(false);
            var subject = $"Mailing daily report for {day:yyyy-MM-dd} ({settings.TimeZone})";
            var body = Render(day, settings.TimeZone, figures);
            var transport = FindTransport(_transports, settings)
                ?? throw new InvalidOperationException($"No transport can send the daily report ({settings.Channel}).");

            var accepted = 0;
            foreach (var recipient in settings.Recipients)
            {
                var message = new OutboundMessage
                {
                    DeliveryId = ReportId(key, day, recipient),
                    CampaignId = Guid.Empty,
                    ContactId = Guid.Empty,
                    ClientId = key,
                    Channel = settings.Channel,
                    Stream = MessageStream.Operational,
                    Address = recipient.Trim(),
                    Subject = subject,
                    Body = body,
                    IdempotencyKey = $"daily-report:{key}:{day:yyyy-MM-dd}:{recipient.Trim().ToLowerInvariant()}",
                };
                TransportResult result;
#pragma warning disable CA1031 // A transport's bug must not stop the report for the other recipients.
                try
                {
                    result = await transport.SendAsync(message, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    result = new TransportResult.Transient($"{transport.Name} threw {e.GetType().Name}: {e.Message}");
                }
#pragma warning restore CA1031

                if (result is TransportResult.Accepted)
                {
                    accepted++;
                }
                else
                {
                    LogRecipientFailed(day, recipient, result.ToString());
                }
            }

            if (accepted == 0)
            {
                await store.ReleaseAsync(key, day, token, CancellationToken.None).ConfigureAwait(false);
                return Outcome.Failed;
            }

            await store.MarkSentAsync(key, day, token, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            LogSent(day, key, figures.Count, accepted);
            return Outcome.Sent;
        }
    }

    /// <summary>The report's text: one line per campaign, grouped by client, with totals.</summary>
    internal static string Render(DateOnly day, string timeZone, IReadOnlyList<CampaignDayFigures> figures)
    {
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.Append(culture, $"Campaigns processed on {day:yyyy-MM-dd} ({timeZone})").AppendLine().AppendLine();
        if (figures.Count == 0)
        {
            text.AppendLine("No campaign sent, failed, expired or suppressed anything that day.");
            return text.ToString();
        }

        foreach (var client in figures.GroupBy(f => f.ClientId))
        {
            text.Append(culture, $"Client {client.Key}").AppendLine();
            text.Append(culture, $"{"Campaign",-40} {"Status",-10} {"Sent",10} {"Failed",10} {"Expired",10} {"Suppressed",10}").AppendLine();
            foreach (var f in client)
            {
                var name = f.Name.Length > 40 ? f.Name[..39] + "…" : f.Name;
                text.Append(culture, $"{name,-40} {f.Status.ToString().ToLowerInvariant(),-10} {f.Sent,10} {f.Failed,10} {f.Expired,10} {f.Suppressed,10}").AppendLine();
            }

            text.Append(culture, $"{"Total",-40} {"",-10} {client.Sum(f => f.Sent),10} {client.Sum(f => f.Failed),10} {client.Sum(f => f.Expired),10} {client.Sum(f => f.Suppressed),10}")
                .AppendLine().AppendLine();
        }

        return text.ToString();
    }

    /// <summary>A stable id per (report, recipient), so a transport's logs show a resend as the same message.</summary>
    private static Guid ReportId(string key, DateOnly day, string recipient)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes($"{key}\n{day:yyyy-MM-dd}\n{recipient.Trim().ToLowerInvariant()}"));
        return new Guid(hash.AsSpan(0, 16));
    }

    [LoggerMessage(1, LogLevel.Information, "Daily report for {Day} ({Client}) sent: {Campaigns} campaigns, {Recipients} recipients")]
    private partial void LogSent(DateOnly day, string client, int campaigns, int recipients);

    [LoggerMessage(2, LogLevel.Debug, "Daily report for {Day} ({Client}) was sent already or is being sent by another replica")]
    private partial void LogNotOurs(DateOnly day, string client);

    [LoggerMessage(3, LogLevel.Warning, "Daily report for {Day} not taken for {Recipient}: {Result}")]
    private partial void LogRecipientFailed(DateOnly day, string recipient, string result);
}

/// <summary>Local days and times of the report's time zone, as UTC instants.</summary>
internal static class DailySchedule
{
    /// <summary>The first instant of <paramref name="day"/> in <paramref name="zone"/>.</summary>
    public static DateTimeOffset StartOfDay(DateOnly day, TimeZoneInfo zone) => At(day, TimeOnly.MinValue, zone);

    /// <summary>
    /// The instant of <paramref name="day"/> at <paramref name="time"/> in <paramref name="zone"/>; a time skipped by a
    /// daylight-saving change is moved forward by the gap, an ambiguous one takes its first occurrence.
    /// </summary>
    public static DateTimeOffset At(DateOnly day, TimeOnly time, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(time, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        var offsets = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local) : [zone.GetUtcOffset(local)];
        return new DateTimeOffset(local, offsets.Max()).ToUniversalTime();
    }

    /// <summary>The next time the report is due after <paramref name="now"/>, and the day it reports then (the day before).</summary>
    public static (DateTimeOffset At, DateOnly Day) Next(DateTimeOffset now, TimeOnly time, TimeZoneInfo zone)
    {
        var today = Today(now, zone);
        var at = At(today, time, zone);
        return at > now ? (at, today.AddDays(-1)) : (At(today.AddDays(1), time, zone), today);
    }

    /// <summary>The date in <paramref name="zone"/> at <paramref name="now"/>.</summary>
    public static DateOnly Today(DateTimeOffset now, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
}
