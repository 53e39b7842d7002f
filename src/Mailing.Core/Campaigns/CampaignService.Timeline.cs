namespace Mailing.Campaigns;

/// <content>The campaign's sends over time, for the operator console's chart.</content>
internal sealed partial class CampaignService
{
    public async Task<IReadOnlyList<TimelinePoint>> GetTimelineAsync(
        string clientId, Guid id, TimelineBucket bucket = TimelineBucket.Minute, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(bucket))
        {
            throw new MailingValidationException("Bucket", "The bucket must be minute, hour or day.");
        }

        _ = await RequireAsync(clientId, id, cancellationToken).ConfigureAwait(false);
        return await store.GetTimelineAsync(clientId, id, bucket, cancellationToken).ConfigureAwait(false);
    }
}
