using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Mailing.Dispatch;

/// <summary>
/// The <c>Mailing</c> meter and activity source. Instruments: <c>mailing.deliveries</c> (counter, tag
/// <c>status</c>: sent, failed, deferred, expired, suppressed, cancelled) and <c>mailing.send.duration</c>
/// (histogram, seconds a transport took, tag <c>transport</c>).
/// </summary>
internal static class MailingTelemetry
{
    public const string Name = "Mailing";

    public static readonly ActivitySource Activities = new(Name);

    private static readonly Meter Meter = new(Name);

    public static readonly Counter<long> Deliveries = Meter.CreateCounter<long>(
        "mailing.deliveries", unit: "{delivery}", description: "Deliveries that reached an outcome, by status.");

    public static readonly Histogram<double> SendDuration = Meter.CreateHistogram<double>(
        "mailing.send.duration", unit: "s", description: "Time a transport took to answer for one message.");
}
