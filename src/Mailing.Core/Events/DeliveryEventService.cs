using Mailing.Stores;
using Mailing.Suppressions;
using Microsoft.Extensions.DependencyInjection;

namespace Mailing.Events;

/// <summary>Takes in delivery events (validated per event), projects them, and turns bounces, complaints and unsubscribes into suppressions. Lifetime: scoped.</summary>
public interface IDeliveryEventService
{
    /// <summary>Stores a batch: one result per event, in order; invalid events are rejected with their errors and nothing of them is written.</summary>
    Task<IReadOnlyList<DeliveryEventResult>> IngestAsync(string clientId, IReadOnlyList<DeliveryEventInput> events, CancellationToken cancellationToken);

    /// <summary>Reads a provider's webhook with its registered <see cref="IDeliveryEventNormalizer"/> and stores the events.</summary>
    /// <exception cref="MailingNotFoundException">No normalizer is registered for <paramref name="provider"/>.</exception>
    /// <exception cref="MailingValidationException">The request's signature or payload was refused (field <c>Signature</c>).</exception>
    Task<IReadOnlyList<DeliveryEventResult>> IngestWebhookAsync(string clientId, string provider, WebhookRequest request, CancellationToken cancellationToken);

    /// <summary>A delivery's events, oldest first.</summary>
    /// <exception cref="MailingNotFoundException">The client has no such delivery in that campaign.</exception>
    Task<IReadOnlyList<DeliveryEvent>> ListAsync(string clientId, Guid campaignId, Guid deliveryId, CancellationToken cancellationToken);
}

internal sealed class DeliveryEventService(
    IDeliveryEventStore store, ISuppressionService suppressions, IEnumerable<IDeliveryEventNormalizer> normalizers, TimeProvider time) : IDeliveryEventService
{
    public const int MaxBatch = 10_000;

    public async Task<IReadOnlyList<DeliveryEventResult>> IngestAsync(string clientId, IReadOnlyList<DeliveryEventInput> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count > MaxBatch)
        {
            throw new MailingValidationException("Events", $"A batch holds at most {MaxBatch} events.");
        }

        var results = new DeliveryEventResult[events.Count];
        var valid = new List<(int Index, DeliveryEventInput Event)>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var errors = Validate(events[i]);
            if (errors.Count > 0)
            {
                results[i] = new DeliveryEventResult(i, DeliveryEventOutcome.Rejected, Errors: errors);
            }
            else
            {
                valid.Add((i, Normalize(events[i])));
            }
        }

        var stored = await store.AppendAsync(clientId, [.. valid.Select(v => v.Event)], time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        for (var j = 0; j < valid.Count; j++)
        {
            var (index, e) = valid[j];
            var s = stored[j];
            results[index] = s.Outcome == DeliveryEventOutcome.Rejected
                ? new DeliveryEventResult(index, s.Outcome, Errors: new Dictionary<string, string[]> { ["DeliveryId"] = ["This client has no such delivery."] })
                : new DeliveryEventResult(index, s.Outcome, s.EventId, s.DeliveryId);
            if (s.Outcome is DeliveryEventOutcome.Applied or DeliveryEventOutcome.Orphaned && s.Recipient is { Length: > 0 } recipient
                && ReasonFor(e) is { } reason)
            {
                await suppressions.SuppressAsync(clientId, recipient, reason, $"event:{e.Provider}", cancellationToken).ConfigureAwait(false);
            }
        }

        return results;
    }

    public Task<IReadOnlyList<DeliveryEventResult>> IngestWebhookAsync(string clientId, string provider, WebhookRequest request, CancellationToken cancellationToken)
    {
        var normalizer = normalizers.LastOrDefault(n => string.Equals(n.Provider, provider, StringComparison.OrdinalIgnoreCase))
            ?? throw new MailingNotFoundException($"No webhook normalizer is registered for '{provider}'.");
        var normalized = normalizer.Normalize(request);
        return normalized.Error is { } error
            ? throw new MailingValidationException("Signature", error)
            : IngestAsync(clientId, normalized.Events, cancellationToken);
    }

    public async Task<IReadOnlyList<DeliveryEvent>> ListAsync(string clientId, Guid campaignId, Guid deliveryId, CancellationToken cancellationToken) =>
        await store.ListAsync(clientId, campaignId, deliveryId, cancellationToken).ConfigureAwait(false)
        ?? throw new MailingNotFoundException("No such delivery.");

    /// <summary>The suppression an event calls for, if any.</summary>
    internal static SuppressionReason? ReasonFor(DeliveryEventInput e) => e.Type switch
    {
        DeliveryEventType.Bounced => SuppressionReason.HardBounce,
        DeliveryEventType.Complained => SuppressionReason.Complaint,
        DeliveryEventType.Unsubscribed => SuppressionReason.Unsubscribe,
        DeliveryEventType.Rejected when e.RejectReason == RejectReason.Bounced => SuppressionReason.HardBounce,
        DeliveryEventType.Rejected when e.RejectReason == RejectReason.Invalid => SuppressionReason.InvalidRecipient,
        DeliveryEventType.Rejected when e.RejectReason == RejectReason.Spam => SuppressionReason.Complaint,
        DeliveryEventType.Rejected when e.RejectReason == RejectReason.Unsubscribed => SuppressionReason.Unsubscribe,
        _ => null,
    };

    private static Dictionary<string, string[]> Validate(DeliveryEventInput e)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Check(bool ok, string field, string message)
        {
            if (!ok)
            {
                errors[field] = [message];
            }
        }

        Check(!string.IsNullOrWhiteSpace(e.Provider) && e.Provider.Length <= MailingLimits.MaxProviderNameLength, "Provider",
            $"A provider name of 1 to {MailingLimits.MaxProviderNameLength} characters is required.");
        Check(!string.IsNullOrWhiteSpace(e.ProviderEventId) && e.ProviderEventId.Length <= MailingLimits.MaxProviderIdLength, "ProviderEventId",
            $"The provider's event id (1 to {MailingLimits.MaxProviderIdLength} characters) is required.");
        Check(e.Type is not null, "Type", "The event type is required.");
        Check(e.Timestamp is not null, "Timestamp", "The event's time is required.");
        Check(e.ProviderMessageId is null || (e.ProviderMessageId.Length is > 0 and <= MailingLimits.MaxProviderIdLength), "ProviderMessageId",
            $"The provider message id must be 1 to {MailingLimits.MaxProviderIdLength} characters.");
        Check(e.Recipient is null || e.Recipient.Length <= MailingLimits.MaxEmailLength, "Recipient", $"The recipient must be at most {MailingLimits.MaxEmailLength} characters.");
        Check(e.DeliveryId is not null || e.ProviderMessageId is not null || e.Recipient is not null, "ProviderMessageId",
            "An event needs a providerMessageId, a deliveryId or a recipient to be about someone.");
        return errors;
    }

    private static DeliveryEventInput Normalize(DeliveryEventInput e)
    {
        return e with
        {
            Provider = e.Provider!.Trim().ToLowerInvariant(),
            ProviderEventId = e.ProviderEventId!.Trim(),
            ProviderMessageId = e.ProviderMessageId?.Trim().Trim('<', '>'),
            Timestamp = StoreClock.Truncate(e.Timestamp!.Value),
            Recipient = e.Recipient?.Trim().ToLowerInvariant(),
            Description = Truncate(e.Description, MailingLimits.MaxDiagnosticTextLength),
            MtaResponse = Truncate(e.MtaResponse, MailingLimits.MaxDiagnosticTextLength),
        };
    }

    private static string? Truncate(string? text, int length) => text is null || text.Length <= length ? text : text[..length];
}

/// <summary>
/// After a batch's outcomes are stored (with the pipeline's own <c>dispatched</c> and <c>suppressed</c> events, which
/// the campaign store writes in the same transaction), links the provider events that arrived before their message
/// was known. Lifetime: singleton (opens a scope per batch).
/// </summary>
internal sealed class DispatchEvents(IServiceScopeFactory scopes)
{
    public async Task LinkOrphansAsync(Campaign campaign, IReadOnlyList<DeliveryOutcome> outcomes, CancellationToken cancellationToken)
    {
        List<string> sent = [.. outcomes.Where(o => o.Status == DeliveryStatus.Sent && o.ProviderMessageId is { Length: > 0 }).Select(o => o.ProviderMessageId!.Trim('<', '>'))];
        if (sent.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        if (scope.ServiceProvider.GetService<IDeliveryEventStore>() is { } store)
        {
            await store.LinkOrphansAsync(campaign.ClientId, sent, cancellationToken).ConfigureAwait(false);
        }
    }
}
