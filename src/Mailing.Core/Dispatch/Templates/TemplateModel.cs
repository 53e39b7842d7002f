using System.Text.Json;

namespace Mailing.Dispatch.Templates;

/// <summary>
/// What one recipient's templates are rendered with: <c>contact</c>, <c>member</c> and <c>campaign</c>.
/// </summary>
/// <param name="Contact">
/// The recipient, as <c>contact.id</c>, <c>contact.name</c>, <c>contact.email</c>, <c>contact.phone</c>,
/// <c>contact.time_zone</c>, <c>contact.external_id</c>, <c>contact.tags</c> and <c>contact.attributes.*</c>
/// (the attributes JSON object, nested objects and arrays included).
/// </param>
/// <param name="Campaign">The campaign, as <c>campaign.id</c>, <c>campaign.name</c>, <c>campaign.correlation_id</c> and <c>campaign.metadata.*</c>.</param>
/// <param name="Member">
/// The metadata JSON object of the list membership that brought the contact into the audience, as
/// <c>member.*</c>; <see langword="null"/> when the contact came in by a filter (then <c>member.x</c> renders empty).
/// </param>
internal sealed record TemplateModel(Contact Contact, TemplateCampaign Campaign, JsonElement? Member = null);

/// <summary>The campaign fields templates can use.</summary>
/// <param name="Id">The campaign id (<c>campaign.id</c>).</param>
/// <param name="Name">The campaign name (<c>campaign.name</c>).</param>
/// <param name="CorrelationId">The correlation id (<c>campaign.correlation_id</c>).</param>
/// <param name="Metadata">The campaign's metadata JSON object (<c>campaign.metadata.*</c>).</param>
internal sealed record TemplateCampaign(Guid Id, string Name, string? CorrelationId = null, JsonElement? Metadata = null);

/// <summary>A recipient's rendered subject (<see langword="null"/> without a subject template) and body.</summary>
internal sealed record RenderedTemplates(string? Subject, string Body);
