using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.RateLimiting;
using Mailing.Audiences;
using Mailing.Campaigns;
using Mailing.Dispatch.Templates;
using Mailing.Stores;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailing.Dispatch;

/// <summary>
/// One turn of each kind of dispatch work: starting due campaigns and expiring ended ones, making a campaign's
/// deliveries from its audience, and sending one claimed batch per sending campaign. Each turn opens its own
/// service scope; everything it claims is leased, so replicas may run turns side by side. The hosted
/// <see cref="DispatchHostedService"/> runs the turns in loops. Lifetime: singleton.
/// </summary>
internal sealed partial class CampaignDispatcher(
    IServiceScopeFactory scopes,
    IEnumerable<IMessageTransport> transports,
    IOptions<DispatchOptions> options,
    TimeProvider time,
    DispatchSignal signal,
    ILogger<CampaignDispatcher> logger,
    Suppressions.DispatchSuppressions suppressions,
    Events.DispatchEvents events) : IDisposable
{
    private readonly string _owner = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly IMessageTransport[] _transports = [.. transports];
    private readonly ConcurrentDictionary<Guid, RateLimiter> _limiters = new();
    private readonly ConcurrentDictionary<(Guid Id, DateTimeOffset Version), TemplateCompilation> _templates = new();

    /// <summary>Starts due campaigns, expires those whose end passed, finishes leases left by crashed senders.</summary>
    public async Task<bool> RunMaintenanceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ICampaignStore>();
        var now = time.GetUtcNow();
        var expired = await store.ExpireAndSweepAsync(now, cancellationToken).ConfigureAwait(false);
        foreach (var campaign in expired)
        {
            LogExpired(campaign.Id, campaign.ClientId);
        }

        var started = await store.StartDueCampaignsAsync(now, 100, cancellationToken).ConfigureAwait(false);
        foreach (var campaign in started)
        {
            LogStarted(campaign.Id, campaign.ClientId);
        }

        if (started.Count > 0)
        {
            signal.Wake();
        }

        return expired.Count + started.Count > 0;
    }

    /// <summary>Makes up to <see cref="DispatchOptions.PackPagesPerTurn"/> pages of one campaign's deliveries.</summary>
    public async Task<bool> PackAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ICampaignStore>();
        var pager = scope.ServiceProvider.GetRequiredService<IAudiencePager>();
        var claim = await store.ClaimPackingAsync(time.GetUtcNow(), _owner, settings.LeaseDuration, cancellationToken).ConfigureAwait(false);
        if (claim is null)
        {
            return false;
        }

        var campaign = claim.Campaign;
        using var _ = logger.BeginScope(new Dictionary<string, object> { ["CampaignId"] = campaign.Id, ["ClientId"] = campaign.ClientId });
        if (Misconfiguration(campaign) is { } reason)
        {
            await FailAsync(store, campaign, reason, cancellationToken).ConfigureAwait(false);
            return true;
        }

        var audience = AudienceSelections.ScopeOf(campaign.ClientId, campaign.Audience);
        AudienceCheckpoint checkpoint;
        try
        {
            checkpoint = claim.Checkpoint ?? await pager.StartAsync(audience, campaign.Audience, cancellationToken).ConfigureAwait(false);
        }
        catch (MailingValidationException e)
        {
            await FailAsync(store, campaign, $"The campaign's audience cannot be read: {e.Message}", cancellationToken).ConfigureAwait(false);
            return true;
        }

        if (checkpoint.Completed)
        {
            await store.AddDeliveriesAsync(claim, [], checkpoint, time.GetUtcNow(), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            await CompleteIfDoneAsync(store, campaign, cancellationToken).ConfigureAwait(false);
            return true;
        }

        var pages = 0;
        await foreach (var page in pager.ReadPagesAsync(audience, campaign.Audience, checkpoint, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var last = page.IsLast || ++pages >= settings.PackPagesPerTurn;
            NewDelivery[] deliveries = [.. page.Recipients.Select(r => new NewDelivery(r.ContactId, CampaignAddress.For(campaign.Channel, r.Email, r.Phone)))];

            // The turn's last page gives the lease back, so the next turn (here or on another replica) goes on at once.
            var lease = last ? TimeSpan.Zero : settings.LeaseDuration;
            if (!await store.AddDeliveriesAsync(claim, deliveries, page.Checkpoint, time.GetUtcNow(), lease, cancellationToken).ConfigureAwait(false))
            {
                LogPackLeaseLost(campaign.Id);
                return true;
            }

            LogPacked(campaign.Id, page.Number, deliveries.Length);
            signal.Wake();
            if (last)
            {
                break;
            }
        }

        await CompleteIfDoneAsync(store, campaign, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Sends one claimed batch of each sending campaign of <paramref name="stream"/> (every stream when null).</summary>
    public async Task<bool> SendAsync(MessageStream? stream, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ICampaignStore>();
        var busy = false;
        foreach (var campaign in await store.ListSendingCampaignsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (stream is null || campaign.Stream == stream)
            {
                busy |= await SendBatchAsync(store, campaign, cancellationToken).ConfigureAwait(false);
            }
        }

        return busy;
    }

    /// <summary>Runs every kind of turn until none finds work (tests and tools; the hosted service loops instead).</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        while (await RunMaintenanceAsync(cancellationToken).ConfigureAwait(false)
               | await PackAsync(cancellationToken).ConfigureAwait(false)
               | await SendAsync(null, cancellationToken).ConfigureAwait(false))
        {
        }
    }

    public void Dispose()
    {
        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }

    private async Task<bool> SendBatchAsync(ICampaignStore store, Campaign campaign, CancellationToken cancellationToken)
    {
        using var _ = logger.BeginScope(new Dictionary<string, object> { ["CampaignId"] = campaign.Id, ["ClientId"] = campaign.ClientId });
        if (Misconfiguration(campaign) is { } reason)
        {
            await FailAsync(store, campaign, reason, cancellationToken).ConfigureAwait(false);
            return true;
        }

        var templates = Compile(campaign).Templates!;
        var transport = Array.Find(_transports, t => t.CanSend(campaign.Channel))!;

        var settings = options.Value;
        var claimed = await store.ClaimDeliveriesAsync(campaign, time.GetUtcNow(), _owner, settings.LeaseDuration, settings.BatchSize, cancellationToken)
            .ConfigureAwait(false);
        if (claimed.Count == 0)
        {
            return await CompleteIfDoneAsync(store, campaign, cancellationToken).ConfigureAwait(false);
        }

        var results = new SendResult[claimed.Count];
        var suppressed = await suppressions.CheckAsync(campaign, claimed, cancellationToken).ConfigureAwait(false);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = settings.MaxConcurrency, CancellationToken = CancellationToken.None };
        await Parallel.ForEachAsync(Enumerable.Range(0, claimed.Count), parallel, async (i, _) =>
            results[i] = suppressed.TryGetValue(claimed[i].Delivery.Id, out var why)
                ? new SendResult(new DeliveryOutcome(campaign.ClientId, claimed[i].Delivery.Id, claimed[i].LeaseToken, DeliveryStatus.Suppressed, claimed[i].Delivery.Attempts, Error: why), null)
                : await SendOneAsync(campaign, templates, transport, claimed[i], cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);

        // Recorded even when the host is stopping: the outcomes are facts, and a lost one would mean a second send.
        var recorded = await store.RecordOutcomesAsync([.. results.Select(r => r.Outcome)], time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        if (recorded < results.Length)
        {
            LogOutcomesFenced(campaign.Id, results.Length - recorded);
        }

        await events.LinkOrphansAsync(campaign, [.. results.Select(r => r.Outcome)], CancellationToken.None).ConfigureAwait(false);

        foreach (var result in results)
        {
            MailingTelemetry.Deliveries.Add(1, new KeyValuePair<string, object?>("status", result.Outcome.Status.ToString().ToLowerInvariant()));
        }

        if (Array.Find(results, r => r.Misconfigured is not null) is { Misconfigured: { } renderFailure })
        {
            await FailAsync(store, campaign, renderFailure, cancellationToken).ConfigureAwait(false);
            return true;
        }

        await CompleteIfDoneAsync(store, campaign, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Checks, renders and sends one delivery; never throws for the delivery's own failure.</summary>
    private async Task<SendResult> SendOneAsync(
        Campaign campaign, CompiledTemplates templates, IMessageTransport transport, ClaimedDelivery claimed, CancellationToken stopping)
    {
        var delivery = claimed.Delivery;
        using var _ = logger.BeginScope(new Dictionary<string, object> { ["DeliveryId"] = delivery.Id, ["ContactId"] = delivery.ContactId });
        var now = time.GetUtcNow();
        SendResult Outcome(DeliveryStatus status, int attempts, string? error = null, DateTimeOffset? next = null, string? providerId = null, string? misconfigured = null) =>
            new(new DeliveryOutcome(campaign.ClientId, delivery.Id, claimed.LeaseToken, status, attempts, next, error,
                providerId is null && status != DeliveryStatus.Sent ? null : transport.Name, providerId), misconfigured);

        if (claimed.Contact is not { } contact)
        {
            return Outcome(DeliveryStatus.Cancelled, delivery.Attempts, "The contact was deleted before the message was sent.");
        }

        if (contact.Status != ContactStatus.Active)
        {
            return Outcome(DeliveryStatus.Suppressed, delivery.Attempts, $"The contact is {contact.Status.ToString().ToLowerInvariant()}.");
        }

        if (campaign.EndAt is { } end && end <= now)
        {
            return Outcome(DeliveryStatus.Expired, delivery.Attempts, "The campaign's end passed before the message was sent.");
        }

        if (campaign.SendWindow is { } window)
        {
            var opening = SendWindows.NextOpening(now, window, SendWindows.ResolveZone(contact.TimeZone, campaign.DefaultTimeZone));
            if (opening > now)
            {
                LogDeferred(delivery.Id, opening);
                return campaign.EndAt is { } stop && stop <= opening
                    ? Outcome(DeliveryStatus.Expired, delivery.Attempts, "The recipient's send window does not open again before the campaign's end.")
                    : Outcome(DeliveryStatus.Deferred, delivery.Attempts, next: opening);
            }
        }

        RenderedTemplates rendered;
        try
        {
            rendered = templates.Render(
                new TemplateModel(contact, new TemplateCampaign(campaign.Id, campaign.Name, campaign.CorrelationId, campaign.Metadata), claimed.MemberMetadata),
                campaign.Channel == MessageChannel.Email ? CampaignTemplates.HtmlBody : CampaignTemplates.PlainText);
        }
        catch (TemplateRenderException e)
        {
            return Outcome(DeliveryStatus.Failed, delivery.Attempts, e.Message, misconfigured: $"The campaign's templates do not render: {e.Message}");
        }

        if (campaign.MessagesPerSecond is { } rate)
        {
            using var lease = await Limiter(campaign.Id, rate).AcquireAsync(1, stopping).ConfigureAwait(false);
        }

        var attempt = delivery.Attempts + 1;
        var message = new OutboundMessage
        {
            DeliveryId = delivery.Id,
            CampaignId = campaign.Id,
            ClientId = campaign.ClientId,
            ContactId = delivery.ContactId,
            Channel = campaign.Channel,
            Stream = campaign.Stream,
            Address = delivery.Recipient,
            Subject = rendered.Subject,
            Body = rendered.Body,
            IdempotencyKey = delivery.IdempotencyKey,
            Deadline = campaign.EndAt,
            Attempt = attempt,
            CorrelationId = campaign.CorrelationId,
        };

        // The campaign's end reaches the transport as cancellation: no message (and no retry) leaves after it.
        using var deadline = campaign.EndAt is { } endAt ? new CancellationTokenSource(endAt - now, time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, stopping);
        using var activity = MailingTelemetry.Activities.StartActivity("mailing.send", ActivityKind.Client);
        activity?.SetTag("mailing.campaign_id", campaign.Id).SetTag("mailing.delivery_id", delivery.Id).SetTag("mailing.transport", transport.Name);
        var started = time.GetTimestamp();
        TransportResult result;
        try
        {
            result = await transport.SendAsync(message, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return Outcome(DeliveryStatus.Expired, attempt, "The campaign's end passed while the message was being sent.");
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The host is stopping: give the delivery back now rather than when the lease runs out (same key next time).
            return Outcome(DeliveryStatus.Deferred, delivery.Attempts, next: now);
        }
#pragma warning disable CA1031 // A transport's bug must not take the batch down; it counts as a transient failure.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogTransportThrew(e, transport.Name, delivery.Id);
            result = new TransportResult.Transient($"{transport.Name} threw {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            MailingTelemetry.SendDuration.Record(time.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("transport", transport.Name));
        }

        return result switch
        {
            TransportResult.Accepted accepted => Sent(accepted),
            TransportResult.Permanent permanent => Outcome(DeliveryStatus.Failed, attempt, permanent.Error),
            TransportResult.Transient transient => Retry(transient),
            _ => Outcome(DeliveryStatus.Failed, attempt, $"Unknown transport result {result.GetType().Name}."),
        };

        SendResult Sent(TransportResult.Accepted accepted)
        {
            LogSent(delivery.Id, attempt, accepted.ProviderMessageId);
            return Outcome(DeliveryStatus.Sent, attempt, providerId: accepted.ProviderMessageId ?? string.Empty);
        }

        SendResult Retry(TransportResult.Transient transient)
        {
            var settings = options.Value;
            if (!RetryBackoff.CanRetry(attempt, settings.MaxAttempts))
            {
                LogGaveUp(delivery.Id, attempt, transient.Error);
                return Outcome(DeliveryStatus.Failed, attempt, $"Gave up after {attempt} attempts: {transient.Error}");
            }

            var delay = RetryBackoff.NextDelay(attempt, settings.RetryBaseDelay, settings.RetryMaxDelay, BackoffJitter.Full, Random.Shared, transient.RetryAfter);
            var next = time.GetUtcNow() + delay;
            LogRetrying(delivery.Id, attempt, next, transient.Error);
            return campaign.EndAt is { } stop && stop <= next
                ? Outcome(DeliveryStatus.Expired, attempt, $"No retry before the campaign's end: {transient.Error}")
                : Outcome(DeliveryStatus.Deferred, attempt, transient.Error, next);
        }
    }

    private TemplateCompilation Compile(Campaign campaign) =>
        _templates.GetOrAdd((campaign.Id, campaign.UpdatedAt), _ => CampaignTemplates.Compile(campaign.SubjectTemplate, campaign.BodyTemplate));

    /// <summary>Why the campaign cannot run at all (checked before its deliveries are made, and before each batch), or null.</summary>
    private string? Misconfiguration(Campaign campaign)
    {
        var compilation = Compile(campaign);
        if (compilation.Templates is null)
        {
            return $"The campaign's templates do not compile: {string.Join(" ", compilation.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))}";
        }

        return Array.Exists(_transports, t => t.CanSend(campaign.Channel))
            ? null
            : $"No transport is configured for the '{campaign.Channel.ToString().ToLowerInvariant()}' channel.";
    }

    private RateLimiter Limiter(Guid campaignId, int perSecond) => _limiters.GetOrAdd(campaignId, _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
    {
        TokenLimit = perSecond,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = int.MaxValue,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        AutoReplenishment = true,
    }));

    private async Task<bool> CompleteIfDoneAsync(ICampaignStore store, Campaign campaign, CancellationToken cancellationToken)
    {
        if (!await store.TryCompleteAsync(campaign.ClientId, campaign.Id, time.GetUtcNow(), cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        LogCompleted(campaign.Id, campaign.ClientId);
        if (_limiters.TryRemove(campaign.Id, out var limiter))
        {
            limiter.Dispose();
        }

        return true;
    }

    /// <summary>A campaign that cannot run fails once, for good: its open deliveries fail with it.</summary>
    private async Task FailAsync(ICampaignStore store, Campaign campaign, string reason, CancellationToken cancellationToken)
    {
        var change = new CampaignTransition(CampaignStatus.Failed, time.GetUtcNow(), reason);
        if (await store.TransitionAsync(campaign.ClientId, campaign.Id, [CampaignStatus.Sending, CampaignStatus.Paused], change, cancellationToken)
                .ConfigureAwait(false) is not null)
        {
            LogFailed(campaign.Id, campaign.ClientId, reason);
        }
    }

    private readonly record struct SendResult(DeliveryOutcome Outcome, string? Misconfigured);

    [LoggerMessage(1, LogLevel.Information, "Campaign {CampaignId} of client {ClientId} started sending")]
    private partial void LogStarted(Guid campaignId, string clientId);

    [LoggerMessage(2, LogLevel.Information, "Campaign {CampaignId} of client {ClientId} expired: its end passed with deliveries unsent")]
    private partial void LogExpired(Guid campaignId, string clientId);

    [LoggerMessage(3, LogLevel.Information, "Campaign {CampaignId} of client {ClientId} completed")]
    private partial void LogCompleted(Guid campaignId, string clientId);

    [LoggerMessage(4, LogLevel.Error, "Campaign {CampaignId} of client {ClientId} failed: {Reason}")]
    private partial void LogFailed(Guid campaignId, string clientId, string reason);

    [LoggerMessage(5, LogLevel.Debug, "Campaign {CampaignId}: page {Page} made {Count} deliveries")]
    private partial void LogPacked(Guid campaignId, int page, int count);

    [LoggerMessage(6, LogLevel.Warning, "Campaign {CampaignId}: another dispatcher took over making its deliveries")]
    private partial void LogPackLeaseLost(Guid campaignId);

    [LoggerMessage(7, LogLevel.Warning, "Campaign {CampaignId}: {Count} outcomes were not recorded because their lease had run out; the deliveries will be retried with the same idempotency keys")]
    private partial void LogOutcomesFenced(Guid campaignId, int count);

    [LoggerMessage(8, LogLevel.Debug, "Delivery {DeliveryId} deferred to {Opening} (outside the recipient's send window)")]
    private partial void LogDeferred(Guid deliveryId, DateTimeOffset opening);

    [LoggerMessage(9, LogLevel.Debug, "Delivery {DeliveryId} sent on attempt {Attempt} (provider id {ProviderMessageId})")]
    private partial void LogSent(Guid deliveryId, int attempt, string? providerMessageId);

    [LoggerMessage(10, LogLevel.Information, "Delivery {DeliveryId} attempt {Attempt} failed, retrying at {Next}: {Error}")]
    private partial void LogRetrying(Guid deliveryId, int attempt, DateTimeOffset next, string error);

    [LoggerMessage(11, LogLevel.Warning, "Delivery {DeliveryId} failed for good after {Attempt} attempts: {Error}")]
    private partial void LogGaveUp(Guid deliveryId, int attempt, string error);

    [LoggerMessage(12, LogLevel.Error, "Transport {Transport} threw while sending delivery {DeliveryId}")]
    private partial void LogTransportThrew(Exception exception, string transport, Guid deliveryId);
}
