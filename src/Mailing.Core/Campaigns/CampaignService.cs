using System.Text.Json;
using Mailing.Audiences;
using Mailing.Dispatch;
using Mailing.Dispatch.Templates;
using Mailing.Stores;
using Mailing.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailing.Campaigns;

/// <summary>Validates campaigns and steers their status; the store makes each status change atomic. Lifetime: scoped.</summary>
internal sealed partial class CampaignService(
    ICampaignStore store,
    IContactStore contacts,
    IRecipientListStore lists,
    IOptions<MailingOptions> options,
    TimeProvider time,
    DispatchSignal signal,
    ILogger<CampaignService> logger) : ICampaignService
{
    private static readonly CampaignStatus[] Editable = [CampaignStatus.Draft, CampaignStatus.Scheduled];
    private static readonly CampaignStatus[] Cancellable = [CampaignStatus.Draft, CampaignStatus.Scheduled, CampaignStatus.Sending, CampaignStatus.Paused];
    private static readonly CampaignStatus[] Retryable = [CampaignStatus.Sending, CampaignStatus.Paused, CampaignStatus.Completed];

    public async Task<Campaign> CreateAsync(string clientId, CampaignInput input, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var campaign = await ValidateAsync(clientId, input, cancellationToken).ConfigureAwait(false) with
        {
            Id = Guid.CreateVersion7(now),
            CreatedAt = now,
            UpdatedAt = now,
        };
        await store.InsertCampaignAsync(campaign, cancellationToken).ConfigureAwait(false);
        LogCreated(campaign.Id, clientId, campaign.Status);
        WakeIfDue(campaign, now);
        return campaign;
    }

    public Task<Campaign?> FindAsync(string clientId, Guid id, CancellationToken cancellationToken = default) =>
        store.FindCampaignAsync(RequireClient(clientId), id, cancellationToken);

    public async Task<Page<Campaign>> ListAsync(
        string clientId, CampaignStatus? status = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var take = PageLimit(limit);
        var rows = await store.ListCampaignsAsync(RequireClient(clientId), status, CursorId(cursor), take + 1, cancellationToken).ConfigureAwait(false);
        return PageCursor.ToPage(rows, take, c => c.Id.ToString("N"));
    }

    public async Task<Campaign> UpdateAsync(string clientId, Guid id, CampaignInput input, CancellationToken cancellationToken = default)
    {
        var current = await RequireAsync(clientId, id, cancellationToken).ConfigureAwait(false);
        EnsureStatus(current, Editable, "edited");
        var now = time.GetUtcNow();
        var replacement = await ValidateAsync(clientId, input, cancellationToken).ConfigureAwait(false) with
        {
            Id = id,
            CreatedAt = current.CreatedAt,
            UpdatedAt = now,
        };
        var updated = await store.UpdateCampaignAsync(replacement, Editable, cancellationToken).ConfigureAwait(false)
            ?? throw await ConflictAsync(clientId, id, Editable, "edited", cancellationToken).ConfigureAwait(false);
        WakeIfDue(updated, now);
        return updated;
    }

    public async Task DeleteAsync(string clientId, Guid id, CancellationToken cancellationToken = default)
    {
        var current = await RequireAsync(clientId, id, cancellationToken).ConfigureAwait(false);
        EnsureStatus(current, Editable, "deleted");
        if (!await store.DeleteCampaignAsync(clientId, id, Editable, cancellationToken).ConfigureAwait(false))
        {
            throw await ConflictAsync(clientId, id, Editable, "deleted", cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<Campaign> ScheduleAsync(string clientId, Guid id, DateTimeOffset? startAt = null, CancellationToken cancellationToken = default)
    {
        var current = await RequireAsync(clientId, id, cancellationToken).ConfigureAwait(false);
        EnsureStatus(current, Editable, "scheduled");
        var start = startAt ?? current.StartAt ?? throw new MailingValidationException("StartAt", "Give the start time: the campaign has none.");
        CheckTimes(start, current.EndAt, time.GetUtcNow());
        return await TransitionAsync(current, Editable, new CampaignTransition(CampaignStatus.Scheduled, time.GetUtcNow(), StartAt: start), "scheduled", cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task<Campaign> SendNowAsync(string clientId, Guid id, CancellationToken cancellationToken = default)
    {
        var current = await RequireAsync(clientId, id, cancellationToken).ConfigureAwait(false);
        EnsureStatus(current, Editable, "sent now");
        var now = time.GetUtcNow();
        if (current.EndAt is { } end && end <= now)
        {
            throw new MailingValidationException("EndAt", "The campaign's end has passed; change endAt before sending it.");
        }

        return await TransitionAsync(current, Editable, new CampaignTransition(CampaignStatus.Sending, now, StartAt: now), "sent now", cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task<Campaign> PauseAsync(string clientId, Guid id, CancellationToken cancellationToken = default)
    {
        var current = await RequireAsync(clientId, id, cancellationToken).ConfigureAwait(false);
        return await TransitionAsync(current, [CampaignStatus.Sending], new CampaignTransition(CampaignStatus.Paused, time.GetUtcNow()), "paused", cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task<Campaign> ResumeAsync(string clientId, Guid id, CancellationToken cancellationToken = default)
    {
        var current = await RequireAsync(clientId, id, cancellationToken).ConfigureAwait(false);
        return await TransitionAsync(current, [CampaignStatus.Paused], new CampaignTransition(CampaignStatus.Sending, time.GetUtcNow()), "resumed", cancellationToken)
            .ConfigureAwait(false);
    }

    public async Task<Campaign> CancelAsync(string clientId, Guid id, CancellationToken cancellationToken = default)
    {
        var current = await RequireAsync(clientId, id, cancellationToken).ConfigureAwait(false);
        var change = new CampaignTransition(CampaignStatus.Cancelled, time.GetUtcNow(), "Cancelled by an operator.");
        return await TransitionAsync(current, Cancellable, change, "cancelled", cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> RetryFailedAsync(string clientId, Guid id, CancellationToken cancellationToken = default)
    {
        var current = await RequireAsync(clientId, id, cancellationToken).ConfigureAwait(false);
        EnsureStatus(current, Retryable, "retried");
        var now = time.GetUtcNow();
        if (current.EndAt is { } end && end <= now)
        {
            throw new MailingConflictException("EndAt", "The campaign's end has passed: nothing may be sent any more.");
        }

        // A completed campaign claims nothing, so the deliveries can be queued first and the campaign reopened after;
        // with nothing to queue it stays completed.
        var requeued = await store.RequeueFailedAsync(clientId, id, now, cancellationToken).ConfigureAwait(false);
        if (requeued > 0 && current.Status == CampaignStatus.Completed)
        {
            _ = await TransitionAsync(current, [CampaignStatus.Completed], new CampaignTransition(CampaignStatus.Sending, now), "retried", cancellationToken)
                .ConfigureAwait(false);
        }

        LogRequeued(id, clientId, requeued);
        signal.Wake();
        return requeued;
    }

    public async Task<RenderedMessage> PreviewAsync(string clientId, Guid id, Guid contactId, CancellationToken cancellationToken = default)
    {
        var campaign = await RequireAsync(clientId, id, cancellationToken).ConfigureAwait(false);
        var scope = new MailingScope(clientId, campaign.Audience.Audience ?? MailingScope.DefaultAudience);
        var contact = await contacts.FindAsync(scope, contactId, cancellationToken).ConfigureAwait(false)
            ?? throw new MailingNotFoundException($"No contact '{contactId}' in audience '{scope.Audience}'.");
        var templates = CampaignTemplates.CompileOrThrow(campaign.SubjectTemplate, campaign.BodyTemplate);
        var rendered = templates.Render(
            new TemplateModel(contact, new TemplateCampaign(campaign.Id, campaign.Name, campaign.CorrelationId, campaign.Metadata)),
            campaign.Channel == MessageChannel.Email ? CampaignTemplates.HtmlBody : CampaignTemplates.PlainText);
        return new RenderedMessage(contact.Id, CampaignAddress.For(campaign.Channel, contact.Email, contact.Phone), rendered.Subject, rendered.Body);
    }

    public async Task<CampaignStats> GetStatsAsync(string clientId, Guid id, CancellationToken cancellationToken = default)
    {
        var campaign = await RequireAsync(clientId, id, cancellationToken).ConfigureAwait(false);
        return await store.GetStatsAsync(campaign, cancellationToken).ConfigureAwait(false);
    }

    public async Task<Page<CampaignStats>> ListStatsAsync(string clientId, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var page = await ListAsync(clientId, null, cursor, limit, cancellationToken).ConfigureAwait(false);
        var counts = await store.CountByStatusAsync(clientId, [.. page.Items.Select(c => c.Id)], cancellationToken).ConfigureAwait(false);
        return new Page<CampaignStats>(
            [.. page.Items.Select(c => new CampaignStats
            {
                CampaignId = c.Id,
                Name = c.Name,
                Status = c.Status,
                Deliveries = counts[c.Id],
                Total = counts[c.Id].Values.Sum(),
                StartedAt = c.StartedAt,
                FinishedAt = c.FinishedAt,
            })],
            page.NextCursor);
    }

    public async Task<Page<Delivery>> ListDeliveriesAsync(
        string clientId, Guid id, DeliveryStatus? status = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        _ = await RequireAsync(clientId, id, cancellationToken).ConfigureAwait(false);
        var take = PageLimit(limit);
        var rows = await store.ListDeliveriesAsync(clientId, id, status, CursorId(cursor), take + 1, cancellationToken).ConfigureAwait(false);
        return PageCursor.ToPage(rows, take, d => d.ContactId.ToString("N"));
    }

    // ---- validation -----------------------------------------------------------------------------------

    /// <summary>Checks every field (all errors at once) and returns the campaign it describes, status from its start.</summary>
    private async Task<Campaign> ValidateAsync(string clientId, CampaignInput input, CancellationToken cancellationToken)
    {
        RequireClient(clientId);
        ArgumentNullException.ThrowIfNull(input);
        var errors = new ValidationErrors();
        var name = input.Name?.Trim();
        errors.Check("Name", string.IsNullOrEmpty(name) ? "The name is required."
            : name.Length > MailingLimits.MaxNameLength ? $"The name must be at most {MailingLimits.MaxNameLength} characters." : null);
        errors.Check("Channel", input.Channel is null ? "The channel is required: sms, email or webhook." : null);
        var channel = input.Channel ?? MessageChannel.Sms;
        Merge(errors, CampaignTemplates.Compile(input.SubjectTemplate, input.BodyTemplate, channel == MessageChannel.Email).Errors);

        try
        {
            SendWindows.Validate(input.SendWindow);
        }
        catch (MailingValidationException e)
        {
            Merge(errors, e);
        }

        errors.Check("DefaultTimeZone", input.DefaultTimeZone is null ? null : InputRules.CheckTimeZone(input.DefaultTimeZone));
        errors.Check("MessagesPerSecond", input.MessagesPerSecond is < 1 or > MailingLimits.MaxMessagesPerSecond
            ? $"At most this many messages per second: 1 to {MailingLimits.MaxMessagesPerSecond}, or omit it for no limit." : null);
        errors.Check("CorrelationId", input.CorrelationId is { Length: > MailingLimits.MaxCorrelationIdLength }
            ? $"The correlation id must be at most {MailingLimits.MaxCorrelationIdLength} characters." : null);
        errors.Check("Metadata", InputRules.CheckMetadata(input.Metadata, out var metadataJson));
        var now = time.GetUtcNow();
        if (input.EndAt is { } end)
        {
            errors.Check("EndAt", input.StartAt is { } start && end <= start ? "The end must be after the start."
                : end <= now ? "The end must be in the future." : null);
        }

        if (input.Audience is null)
        {
            errors.Check("Audience", "The audience is required: lists and/or filters, as for /audiences/count.");
        }
        else
        {
            // The selection's own rules, then that its lists exist (a count would also check them, but costs a scan).
            try
            {
                var query = AudienceSelections.Normalize(AudienceSelections.ScopeOf(clientId, input.Audience), input.Audience);
                var keys = query.Lists;
                for (var i = 0; i < keys.Count; i++)
                {
                    if (await lists.FindListAsync(query.Scope, keys[i], cancellationToken).ConfigureAwait(false) is null)
                    {
                        errors.Check($"Audience.Lists[{i}]", $"No list '{keys[i]}' in audience '{query.Scope.Audience}'.");
                    }
                }
            }
            catch (MailingValidationException e)
            {
                Merge(errors, e, "Audience.");
            }
        }

        errors.ThrowIfAny();
        return new Campaign
        {
            Id = Guid.Empty,
            ClientId = clientId,
            Name = name!,
            Channel = channel,
            Stream = input.Stream ?? MessageStream.Bulk,
            SubjectTemplate = input.SubjectTemplate,
            BodyTemplate = input.BodyTemplate!,
            Audience = input.Audience!,
            StartAt = input.StartAt,
            EndAt = input.EndAt,
            SendWindow = input.SendWindow,
            DefaultTimeZone = input.DefaultTimeZone,
            MessagesPerSecond = input.MessagesPerSecond,
            CorrelationId = input.CorrelationId,
            Metadata = JsonDocument.Parse(metadataJson).RootElement.Clone(),
            Status = input.StartAt is null ? CampaignStatus.Draft : CampaignStatus.Scheduled,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    private static void Merge(ValidationErrors errors, MailingValidationException e, string prefix = "") => Merge(errors, e.Errors, prefix);

    private static void Merge(ValidationErrors errors, IReadOnlyDictionary<string, string[]> found, string prefix = "")
    {
        foreach (var (field, messages) in found)
        {
            foreach (var message in messages)
            {
                errors.Check(prefix + field, message);
            }
        }
    }

    private static void CheckTimes(DateTimeOffset start, DateTimeOffset? end, DateTimeOffset now)
    {
        if (end is { } e && e <= start)
        {
            throw new MailingValidationException("StartAt", "The start must be before the campaign's end.");
        }

        if (end is { } past && past <= now)
        {
            throw new MailingValidationException("EndAt", "The campaign's end has passed; change endAt first.");
        }
    }

    // ---- status -----------------------------------------------------------------------------------------

    private async Task<Campaign> TransitionAsync(
        Campaign current, IReadOnlyCollection<CampaignStatus> from, CampaignTransition change, string action, CancellationToken cancellationToken)
    {
        EnsureStatus(current, from, action);
        var changed = await store.TransitionAsync(current.ClientId, current.Id, from, change, cancellationToken).ConfigureAwait(false)
            ?? throw await ConflictAsync(current.ClientId, current.Id, from, action, cancellationToken).ConfigureAwait(false);
        LogTransition(changed.Id, changed.ClientId, current.Status, changed.Status);
        signal.Wake();
        return changed;
    }

    private static void EnsureStatus(Campaign campaign, IReadOnlyCollection<CampaignStatus> allowed, string action)
    {
        if (!allowed.Contains(campaign.Status))
        {
            throw Conflict(campaign.Status, allowed, action);
        }
    }

    /// <summary>The status changed under us (another request won the race): report the status it has now.</summary>
    private async Task<MailingConflictException> ConflictAsync(
        string clientId, Guid id, IReadOnlyCollection<CampaignStatus> allowed, string action, CancellationToken cancellationToken)
    {
        var now = await store.FindCampaignAsync(clientId, id, cancellationToken).ConfigureAwait(false)
            ?? throw new MailingNotFoundException($"No campaign '{id}'.");
        return Conflict(now.Status, allowed, action);
    }

    private static MailingConflictException Conflict(CampaignStatus status, IReadOnlyCollection<CampaignStatus> allowed, string action) =>
        new("Status", $"The campaign is '{Name(status)}'; it can be {action} only when it is {string.Join(" or ", allowed.Select(s => $"'{Name(s)}'"))}.");

    private static string Name(CampaignStatus status) => JsonSerializer.Serialize(status).Trim('"');

    private async Task<Campaign> RequireAsync(string clientId, Guid id, CancellationToken cancellationToken) =>
        await store.FindCampaignAsync(RequireClient(clientId), id, cancellationToken).ConfigureAwait(false)
        ?? throw new MailingNotFoundException($"No campaign '{id}'.");

    private static string RequireClient(string clientId) =>
        string.IsNullOrWhiteSpace(clientId) ? throw new ArgumentException("The client id is required.", nameof(clientId)) : clientId;

    private void WakeIfDue(Campaign campaign, DateTimeOffset now)
    {
        if (campaign.Status == CampaignStatus.Scheduled && campaign.StartAt <= now)
        {
            signal.Wake();
        }
    }

    private int PageLimit(int? limit)
    {
        var settings = options.Value;
        var take = limit ?? settings.DefaultPageSize;
        return take < 1 || take > settings.MaxPageSize
            ? throw new MailingValidationException("Limit", $"The limit must be between 1 and {settings.MaxPageSize}.")
            : take;
    }

    private static Guid? CursorId(string? cursor) =>
        PageCursor.Decode(cursor) is { } text ? Guid.TryParseExact(text, "N", out var id) ? id : throw new MailingValidationException("Cursor", "The cursor is not one this API returned.") : null;

    [LoggerMessage(1, LogLevel.Information, "Campaign {CampaignId} of client {ClientId} created ({Status})")]
    private partial void LogCreated(Guid campaignId, string clientId, CampaignStatus status);

    [LoggerMessage(2, LogLevel.Information, "Campaign {CampaignId} of client {ClientId}: {From} -> {To}")]
    private partial void LogTransition(Guid campaignId, string clientId, CampaignStatus from, CampaignStatus to);

    [LoggerMessage(3, LogLevel.Information, "Campaign {CampaignId} of client {ClientId}: {Count} failed deliveries queued again")]
    private partial void LogRequeued(Guid campaignId, string clientId, long count);
}

/// <summary>The address a campaign's channel uses.</summary>
internal static class CampaignAddress
{
    public static string? For(MessageChannel channel, string? email, string? phone) => channel switch
    {
        MessageChannel.Email => email,
        MessageChannel.Sms => phone,
        _ => email ?? phone,
    };
}
