namespace Mailing.Campaigns;

/// <summary>
/// Creates, edits and steers campaigns, and reads their deliveries and statistics. Every call is scoped to one
/// client: another client's campaign is <see cref="MailingNotFoundException"/>, as if absent. The hosted
/// dispatcher (<c>AddDispatch()</c>) does the sending.
/// </summary>
/// <remarks>
/// Errors: <see cref="MailingValidationException"/> for invalid input (nothing written),
/// <see cref="MailingNotFoundException"/> for an unknown campaign or contact, and
/// <see cref="MailingConflictException"/> (field <c>status</c>) for an action the campaign's status does not allow;
/// its message names both the current status and the ones the action needs.
/// </remarks>
public interface ICampaignService
{
    /// <summary>Creates a campaign: <see cref="CampaignStatus.Scheduled"/> when it has a start, else a draft.</summary>
    Task<Campaign> CreateAsync(string clientId, CampaignInput input, CancellationToken cancellationToken = default);

    /// <summary>The campaign, or <see langword="null"/>.</summary>
    Task<Campaign?> FindAsync(string clientId, Guid id, CancellationToken cancellationToken = default);

    /// <summary>The client's campaigns, newest first, keyset-paged; optionally only those in <paramref name="status"/>.</summary>
    Task<Page<Campaign>> ListAsync(
        string clientId, CampaignStatus? status = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default);

    /// <summary>Replaces the author's fields of a draft or scheduled campaign (its status follows its start, as on create).</summary>
    Task<Campaign> UpdateAsync(string clientId, Guid id, CampaignInput input, CancellationToken cancellationToken = default);

    /// <summary>Deletes a draft or scheduled campaign.</summary>
    Task DeleteAsync(string clientId, Guid id, CancellationToken cancellationToken = default);

    /// <summary>Schedules a draft (or reschedules a scheduled campaign) to start at <paramref name="startAt"/>, or at its own start when omitted.</summary>
    Task<Campaign> ScheduleAsync(string clientId, Guid id, DateTimeOffset? startAt = null, CancellationToken cancellationToken = default);

    /// <summary>Starts a draft or scheduled campaign now.</summary>
    Task<Campaign> SendNowAsync(string clientId, Guid id, CancellationToken cancellationToken = default);

    /// <summary>Stops claiming the deliveries of a sending campaign; those in flight finish.</summary>
    Task<Campaign> PauseAsync(string clientId, Guid id, CancellationToken cancellationToken = default);

    /// <summary>Continues a paused campaign where it stood: nobody gets a second copy, nobody is skipped.</summary>
    Task<Campaign> ResumeAsync(string clientId, Guid id, CancellationToken cancellationToken = default);

    /// <summary>Ends a draft, scheduled, sending or paused campaign; its unsent deliveries become cancelled.</summary>
    Task<Campaign> CancelAsync(string clientId, Guid id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Queues the permanently failed deliveries of a campaign again (a completed campaign goes back to sending);
    /// returns how many were queued. Each keeps its idempotency key and its projection: the delivery's
    /// <c>terminal</c> flag, once set, stays set.
    /// </summary>
    Task<long> RetryFailedAsync(string clientId, Guid id, CancellationToken cancellationToken = default);

    /// <summary>Renders the campaign's message for one contact of the client, without sending it.</summary>
    Task<RenderedMessage> PreviewAsync(string clientId, Guid id, Guid contactId, CancellationToken cancellationToken = default);

    /// <summary>The campaign's deliveries counted by status, with attempts and timings.</summary>
    Task<CampaignStats> GetStatsAsync(string clientId, Guid id, CancellationToken cancellationToken = default);

    /// <summary>Every campaign of the client (newest first, keyset-paged) with its deliveries counted by status.</summary>
    Task<Page<CampaignStats>> ListStatsAsync(string clientId, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default);

    /// <summary>The campaign's deliveries in recipient (contact id) order, keyset-paged; optionally only those in <paramref name="status"/>.</summary>
    Task<Page<Delivery>> ListDeliveriesAsync(
        string clientId, Guid id, DeliveryStatus? status = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default);

    /// <summary>The campaign's sent deliveries counted per <paramref name="bucket"/> of their dispatch time, oldest first (empty buckets left out).</summary>
    Task<IReadOnlyList<TimelinePoint>> GetTimelineAsync(string clientId, Guid id, TimelineBucket bucket = TimelineBucket.Minute, CancellationToken cancellationToken = default);
}
