namespace Mailing.Stores;

/// <summary>
/// What the daily report needs from a store: one claim per (client, day), so that among any number of replicas
/// exactly one sends the day's report, and the day's figures of each campaign. Implementations are scoped services.
/// </summary>
public interface IDailyReportStore
{
    /// <summary>
    /// Claims the report of <paramref name="day"/> for <paramref name="clientId"/> (<c>*</c> for a report over every
    /// client) atomically: returns a token when this caller may send it, or <see langword="null"/> when it was sent
    /// already or another caller holds a claim younger than <paramref name="lease"/>.
    /// </summary>
    Task<Guid?> TryClaimAsync(string clientId, DateOnly day, DateTimeOffset now, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Marks the claimed report sent (only while <paramref name="token"/> is the claim's).</summary>
    Task MarkSentAsync(string clientId, DateOnly day, Guid token, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Gives the claim up so the report can be claimed again (only while <paramref name="token"/> is the claim's).</summary>
    Task ReleaseAsync(string clientId, DateOnly day, Guid token, CancellationToken cancellationToken);

    /// <summary>
    /// Every campaign (of <paramref name="clientId"/>, or of every client when <see langword="null"/>) that ran in
    /// <c>[start, until)</c>, with how many of its deliveries became sent, failed, expired and suppressed in that time.
    /// Campaigns whose deliveries did not change in it are left out.
    /// </summary>
    Task<IReadOnlyList<CampaignDayFigures>> GetFiguresAsync(string? clientId, DateTimeOffset start, DateTimeOffset until, CancellationToken cancellationToken);
}
