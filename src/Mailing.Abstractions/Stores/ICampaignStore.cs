using System.Text.Json;

namespace Mailing.Stores;

/// <summary>
/// Persists campaigns and their deliveries, and hands out work to the dispatcher so that any number of
/// replicas can run it: claiming a campaign or a batch of deliveries is atomic (a lease with a token), and
/// an outcome is recorded only while its lease is still held. Every call is scoped by client except the
/// dispatcher's scans for due work. Implementations are scoped services.
/// </summary>
public interface ICampaignStore
{
    /// <summary>Stores a new campaign.</summary>
    Task InsertCampaignAsync(Campaign campaign, CancellationToken cancellationToken);

    /// <summary>The campaign, or <see langword="null"/>.</summary>
    Task<Campaign?> FindCampaignAsync(string clientId, Guid id, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="take"/> campaigns, newest first, with ids below <paramref name="before"/> when given.</summary>
    Task<IReadOnlyList<Campaign>> ListCampaignsAsync(
        string clientId, CampaignStatus? status, Guid? before, int take, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the author's fields and the status of <paramref name="campaign"/> if its stored status is one of
    /// <paramref name="from"/>; returns the stored campaign, or <see langword="null"/> when the status did not allow it.
    /// </summary>
    Task<Campaign?> UpdateCampaignAsync(Campaign campaign, IReadOnlyCollection<CampaignStatus> from, CancellationToken cancellationToken);

    /// <summary>Deletes the campaign if its status is one of <paramref name="from"/>; whether it did.</summary>
    Task<bool> DeleteCampaignAsync(string clientId, Guid id, IReadOnlyCollection<CampaignStatus> from, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the campaign to <paramref name="change"/>'s status if it is in one of <paramref name="from"/>, atomically;
    /// returns the campaign after the change, or <see langword="null"/> when its status did not allow it. Final
    /// statuses (cancelled, expired) also end its unsent deliveries.
    /// </summary>
    Task<Campaign?> TransitionAsync(
        string clientId, Guid id, IReadOnlyCollection<CampaignStatus> from, CampaignTransition change, CancellationToken cancellationToken);

    /// <summary>Moves every scheduled campaign whose start has come to sending; returns them.</summary>
    Task<IReadOnlyList<Campaign>> StartDueCampaignsAsync(DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Expires every scheduled, sending or paused campaign whose end has passed, ending its unsent deliveries;
    /// finishes the deliveries that crashed senders left leased in cancelled and expired campaigns; returns the
    /// campaigns expired now.
    /// </summary>
    Task<IReadOnlyList<Campaign>> ExpireAndSweepAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Claims a sending campaign whose deliveries are not all made yet, with a lease; returns it and where its
    /// making stands, or <see langword="null"/> when none needs work.
    /// </summary>
    Task<PackingClaim?> ClaimPackingAsync(DateTimeOffset now, string owner, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>
    /// Makes one delivery per recipient (idempotently: a contact that has one already keeps it) and saves
    /// <paramref name="checkpoint"/>, in one transaction, only while <paramref name="claim"/>'s lease is held.
    /// Whether the lease was still held.
    /// </summary>
    Task<bool> AddDeliveriesAsync(
        PackingClaim claim, IReadOnlyList<NewDelivery> deliveries, AudienceCheckpoint checkpoint, DateTimeOffset now, TimeSpan lease,
        CancellationToken cancellationToken);

    /// <summary>The sending campaigns, transactional first, then operational, then bulk.</summary>
    Task<IReadOnlyList<Campaign>> ListSendingCampaignsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="max"/> due deliveries of a sending campaign (queued or deferred and due, or
    /// leased by a sender whose lease ran out) under a new lease, with what rendering them needs.
    /// </summary>
    Task<IReadOnlyList<ClaimedDelivery>> ClaimDeliveriesAsync(
        Campaign campaign, DateTimeOffset now, string owner, TimeSpan lease, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Records the outcomes in one batch, each only if its lease is still held; how many were recorded. With each
    /// recorded sent outcome the delivery's <c>dispatched</c> event is stored, with each suppressed one its
    /// <c>suppressed</c> event (named as <see cref="PipelineEvents"/> says, so a second recording stores nothing new), in
    /// the same transaction as the outcome: a crash cannot keep one without the other.
    /// </summary>
    Task<int> RecordOutcomesAsync(IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Completes a sending campaign whose deliveries are all made and all final; whether it did.</summary>
    Task<bool> TryCompleteAsync(string clientId, Guid id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Queues the campaign's failed deliveries again (attempts reset); how many.</summary>
    Task<long> RequeueFailedAsync(string clientId, Guid id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>The campaign's deliveries counted by status, with attempts and timings (the campaign must exist).</summary>
    Task<CampaignStats> GetStatsAsync(Campaign campaign, CancellationToken cancellationToken);

    /// <summary>Counts per status for each of <paramref name="campaigns"/>, in one query.</summary>
    Task<IReadOnlyDictionary<Guid, IReadOnlyDictionary<DeliveryStatus, long>>> CountByStatusAsync(
        string clientId, IReadOnlyCollection<Guid> campaigns, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="take"/> deliveries of the campaign in recipient (contact id) order, after the contact <paramref name="after"/>.</summary>
    Task<IReadOnlyList<Delivery>> ListDeliveriesAsync(
        string clientId, Guid campaignId, DeliveryStatus? status, Guid? after, int take, CancellationToken cancellationToken);

    /// <summary>The campaign's sent deliveries counted per <paramref name="bucket"/> of their dispatch time, oldest first; empty buckets left out.</summary>
    Task<IReadOnlyList<TimelinePoint>> GetTimelineAsync(string clientId, Guid campaignId, TimelineBucket bucket, CancellationToken cancellationToken);
}

/// <summary>A status change of a campaign.</summary>
/// <param name="To">The new status.</param>
/// <param name="Now">When.</param>
/// <param name="Reason">Why, for people (failed, cancelled, expired).</param>
/// <param name="StartAt">A new start (scheduling), or <see langword="null"/> to keep it.</param>
public readonly record struct CampaignTransition(CampaignStatus To, DateTimeOffset Now, string? Reason = null, DateTimeOffset? StartAt = null);

/// <summary>A campaign whose deliveries one dispatcher is making, under a lease.</summary>
/// <param name="Campaign">The campaign.</param>
/// <param name="Checkpoint">Where making them stands; <see langword="null"/> before the audience run started.</param>
/// <param name="LeaseToken">Fences the claim: writes succeed only while it is the campaign's token.</param>
public sealed record PackingClaim(Campaign Campaign, AudienceCheckpoint? Checkpoint, Guid LeaseToken);

/// <summary>A delivery to make.</summary>
/// <param name="ContactId">The recipient.</param>
/// <param name="Recipient">The address for the campaign's channel, or <see langword="null"/> when the contact has none (the delivery is made failed).</param>
public readonly record struct NewDelivery(Guid ContactId, string? Recipient);

/// <summary>A delivery claimed for sending, with the recipient's merge fields.</summary>
public sealed record ClaimedDelivery
{
    /// <summary>The delivery as claimed (status sending).</summary>
    public required Delivery Delivery { get; init; }

    /// <summary>The lease; the outcome is recorded only while it is the delivery's.</summary>
    public required Guid LeaseToken { get; init; }

    /// <summary>The contact, or <see langword="null"/> when it was deleted since the delivery was made.</summary>
    public Contact? Contact { get; init; }

    /// <summary>The metadata of the membership that brought the contact in, when the campaign's audience names lists.</summary>
    public JsonElement? MemberMetadata { get; init; }
}

/// <summary>What became of one claimed delivery.</summary>
/// <param name="ClientId">The client.</param>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="LeaseToken">The lease it was claimed under.</param>
/// <param name="Status">Its new status: sent, failed, expired, cancelled, suppressed, or deferred/queued to try again.</param>
/// <param name="Attempts">Attempts so far, this one included.</param>
/// <param name="NextAttemptAt">For deferred: when to try again.</param>
/// <param name="Error">The last error, if any.</param>
/// <param name="Transport">The transport used, if one was.</param>
/// <param name="ProviderMessageId">The provider's id, for sent.</param>
public readonly record struct DeliveryOutcome(
    string ClientId, Guid DeliveryId, Guid LeaseToken, DeliveryStatus Status, int Attempts,
    DateTimeOffset? NextAttemptAt = null, string? Error = null, string? Transport = null, string? ProviderMessageId = null);
