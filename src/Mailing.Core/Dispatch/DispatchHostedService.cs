using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailing.Dispatch;

/// <summary>
/// Runs the dispatcher in the host: one loop starts, expires and packs campaigns, and
/// <see cref="DispatchOptions.SendersPerStream"/> sender loops per stream send, so transactional mail never waits
/// behind a bulk batch. An idle loop waits for the poll
/// interval or for a wake-up from this process. A failing turn is logged and retried; it never stops the host.
/// </summary>
internal sealed partial class DispatchHostedService(
    CampaignDispatcher dispatcher,
    IOptions<DispatchOptions> options,
    TimeProvider time,
    DispatchSignal signal,
    ILogger<DispatchHostedService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.WhenAll(
        [
            LoopAsync("maintenance", async ct => await dispatcher.RunMaintenanceAsync(ct).ConfigureAwait(false) | await dispatcher.PackAsync(ct).ConfigureAwait(false), stoppingToken),
            .. Enum.GetValues<MessageStream>().SelectMany(stream => Enumerable.Range(0, options.Value.SendersPerStream).Select(_ =>
                LoopAsync(stream.ToString().ToLowerInvariant(), ct => dispatcher.SendAsync(stream, ct), stoppingToken))),
        ]);

    private async Task LoopAsync(string name, Func<CancellationToken, Task<bool>> turn, CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            var busy = false;
            try
            {
                busy = await turn(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A database or provider outage must not stop the host; the next turn tries again.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogTurnFailed(e, name);
            }

            if (!busy)
            {
                var wake = signal.WaitAsync();
                await Task.WhenAny(Task.Delay(options.Value.PollInterval, time, stoppingToken), wake).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(1, LogLevel.Error, "A {Loop} turn of the Mailing dispatcher failed; it will be tried again")]
    private partial void LogTurnFailed(Exception exception, string loop);
}
