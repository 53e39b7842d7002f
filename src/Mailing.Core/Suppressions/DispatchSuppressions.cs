using Mailing.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Mailing.Suppressions;

/// <summary>
/// The dispatcher's last check before a batch goes out: which claimed email deliveries are suppressed for the
/// campaign's stream now. One store query per batch. Lifetime: singleton (opens a scope per check).
/// </summary>
internal sealed class DispatchSuppressions(IServiceScopeFactory scopes, TimeProvider time)
{
    /// <summary>Suppressed deliveries of the batch, each with the reason to record.</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> CheckAsync(Campaign campaign, IReadOnlyList<ClaimedDelivery> claimed, CancellationToken cancellationToken)
    {
        if (campaign.Channel != MessageChannel.Email || claimed.Count == 0)
        {
            return new Dictionary<Guid, string>();
        }

        await using var scope = scopes.CreateAsyncScope();
        if (scope.ServiceProvider.GetService<ISuppressionStore>() is not { } store)
        {
            return new Dictionary<Guid, string>();
        }

        var addresses = claimed.Select(c => c.Delivery.Recipient.Trim().ToLowerInvariant()).Distinct(StringComparer.Ordinal).ToList();
        var suppressed = await store.FindSuppressedAsync(campaign.ClientId, addresses, campaign.Stream, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        var result = new Dictionary<Guid, string>();
        foreach (var c in claimed)
        {
            if (suppressed.TryGetValue(c.Delivery.Recipient.Trim().ToLowerInvariant(), out var reason))
            {
                result[c.Delivery.Id] = $"The address is suppressed ({Name(reason)}).";
            }
        }

        return result;
    }

    private static string Name(SuppressionReason reason) => reason switch
    {
        SuppressionReason.HardBounce => "hard_bounce",
        SuppressionReason.InvalidRecipient => "invalid_recipient",
        _ => reason.ToString().ToLowerInvariant(),
    };
}
