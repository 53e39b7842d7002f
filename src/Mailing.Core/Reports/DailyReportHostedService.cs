using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailing.Reports;

/// <summary>
/// Sends the daily report at its local time. A replica that starts after today's time sends today's report at once
/// unless it went out already (the store's claim keeps it to one copy). Waits with the host's <see cref="TimeProvider"/>.
/// </summary>
internal sealed partial class DailyReportHostedService(
    DailyReportSender sender,
    IOptions<DailyReportOptions> options,
    TimeProvider time,
    ILogger<DailyReportHostedService> logger) : BackgroundService
{
    private TaskCompletionSource<DateTimeOffset> _waiting = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the wake-up time once the service waits for it (for tests that move a fake clock).</summary>
    internal Task<DateTimeOffset> WaitingAsync() => Volatile.Read(ref _waiting).Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var zone = TimeZoneInfo.FindSystemTimeZoneById(settings.TimeZone);
        // Today's report (of yesterday) at its time, or now when that has passed: a replica started late still sends it.
        var today = DailySchedule.Today(time.GetUtcNow(), zone);
        var day = today.AddDays(-1);
        var wakeAt = DailySchedule.At(today, settings.TimeOfDay, zone);
        while (!stoppingToken.IsCancellationRequested)
        {
            await WaitUntilAsync(wakeAt, stoppingToken).ConfigureAwait(false);
            DailyReportSender.Outcome outcome;
            try
            {
                outcome = await sender.SendAsync(day, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A database outage must not stop the service: the report is tried again.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogFailed(e, day);
                outcome = DailyReportSender.Outcome.Failed;
            }

            var (next, nextDay) = DailySchedule.Next(time.GetUtcNow(), settings.TimeOfDay, zone);
            if (outcome == DailyReportSender.Outcome.Failed && time.GetUtcNow() + settings.RetryDelay < next)
            {
                wakeAt = time.GetUtcNow() + settings.RetryDelay;
            }
            else
            {
                (wakeAt, day) = (next, nextDay);
            }
        }
    }

    private async Task WaitUntilAsync(DateTimeOffset wakeAt, CancellationToken stoppingToken)
    {
        var delay = wakeAt - time.GetUtcNow();
        var waiting = delay > TimeSpan.Zero ? Task.Delay(delay, time, stoppingToken) : Task.CompletedTask;
        var signal = Interlocked.Exchange(ref _waiting, new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously));
        signal.TrySetResult(wakeAt);
        try
        {
            await waiting.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the loop ends.
        }
    }

    [LoggerMessage(1, LogLevel.Error, "Daily report for {Day} could not be made; trying again later")]
    private partial void LogFailed(Exception exception, DateOnly day);
}
