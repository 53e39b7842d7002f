namespace Mailing;

/// <summary>One campaign's line of a daily report: its deliveries that reached each final status that day.</summary>
/// <param name="ClientId">The client.</param>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Name">Its name.</param>
/// <param name="Status">Its status when the report was made.</param>
/// <param name="Sent">Deliveries sent that day.</param>
/// <param name="Failed">Deliveries that failed that day.</param>
/// <param name="Expired">Deliveries that expired that day.</param>
/// <param name="Suppressed">Deliveries suppressed that day.</param>
public sealed record CampaignDayFigures(
    string ClientId, Guid CampaignId, string Name, CampaignStatus Status, long Sent, long Failed, long Expired, long Suppressed);
