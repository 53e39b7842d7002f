using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mailing;

/// <summary>A mailout: one message, rendered per recipient, sent to an audience between a start and an end.</summary>
public sealed record Campaign
{
    /// <summary>Store id (UUIDv7).</summary>
    public required Guid Id { get; init; }

    /// <summary>The owning client.</summary>
    public required string ClientId { get; init; }

    /// <summary>A name for people.</summary>
    public required string Name { get; init; }

    /// <summary>How the messages travel.</summary>
    public required MessageChannel Channel { get; init; }

    /// <summary>What kind of mail this is.</summary>
    public required MessageStream Stream { get; init; }

    /// <summary>The subject's Liquid template (email), or <see langword="null"/>.</summary>
    public string? SubjectTemplate { get; init; }

    /// <summary>The body's Liquid template.</summary>
    public required string BodyTemplate { get; init; }

    /// <summary>Who receives it.</summary>
    public required AudienceSelection Audience { get; init; }

    /// <summary>When sending starts; <see langword="null"/> for a draft that has not been scheduled.</summary>
    public DateTimeOffset? StartAt { get; init; }

    /// <summary>After this instant no message is handed to a transport; what is left expires. <see langword="null"/>: no end.</summary>
    public DateTimeOffset? EndAt { get; init; }

    /// <summary>The hours of the recipient's local day in which messages may go out; <see langword="null"/>: any time.</summary>
    public SendWindow? SendWindow { get; init; }

    /// <summary>The IANA time zone of recipients who have none; <see langword="null"/>: UTC.</summary>
    public string? DefaultTimeZone { get; init; }

    /// <summary>At most this many messages per second; <see langword="null"/>: as fast as the pipeline goes.</summary>
    public int? MessagesPerSecond { get; init; }

    /// <summary>The caller's id for tracing the mailout across systems.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>Free-form JSON object, available to templates as <c>campaign.metadata</c>.</summary>
    public required JsonElement Metadata { get; init; }

    /// <summary>Where the campaign stands.</summary>
    public required CampaignStatus Status { get; init; }

    /// <summary>Why the campaign failed (or was expired or cancelled), for people.</summary>
    public string? StatusReason { get; init; }

    /// <summary>When sending began.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the campaign reached a final status.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>When the campaign was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the campaign last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>
/// Where a campaign stands: <c>draft → scheduled → sending → completed</c>, <c>sending ⇄ paused</c>, and the
/// endings <c>cancelled</c>, <c>expired</c> (the end passed with work left) and <c>failed</c> (it cannot run).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<CampaignStatus>))]
public enum CampaignStatus
{
    /// <summary>Being written; editable, not scheduled.</summary>
    [JsonStringEnumMemberName("draft")]
    Draft,

    /// <summary>Will start by itself at its start time; still editable.</summary>
    [JsonStringEnumMemberName("scheduled")]
    Scheduled,

    /// <summary>Its deliveries are being made and sent.</summary>
    [JsonStringEnumMemberName("sending")]
    Sending,

    /// <summary>Stopped by an operator; resumes where it stood.</summary>
    [JsonStringEnumMemberName("paused")]
    Paused,

    /// <summary>Every delivery reached a final status, none of them expired.</summary>
    [JsonStringEnumMemberName("completed")]
    Completed,

    /// <summary>Stopped for good by an operator; unsent deliveries were cancelled.</summary>
    [JsonStringEnumMemberName("cancelled")]
    Cancelled,

    /// <summary>
    /// Its end came before every delivery was sent: the end passed with deliveries left (they expired), or some
    /// recipients' window or retry would only have come after it.
    /// </summary>
    [JsonStringEnumMemberName("expired")]
    Expired,

    /// <summary>It cannot run (no transport for its channel, a template that does not render); never retried.</summary>
    [JsonStringEnumMemberName("failed")]
    Failed,
}

/// <summary>The fields of a campaign its author sets, for create and (full) update.</summary>
public sealed record CampaignInput
{
    /// <summary>A name for people (required).</summary>
    public string? Name { get; init; }

    /// <summary>The channel (required).</summary>
    public MessageChannel? Channel { get; init; }

    /// <summary>The stream; <see cref="MessageStream.Bulk"/> when omitted.</summary>
    public MessageStream? Stream { get; init; }

    /// <summary>The subject's Liquid template (email).</summary>
    public string? SubjectTemplate { get; init; }

    /// <summary>The body's Liquid template (required).</summary>
    public string? BodyTemplate { get; init; }

    /// <summary>Who receives it (required).</summary>
    public AudienceSelection? Audience { get; init; }

    /// <summary>When to start: the campaign is scheduled when given, a draft otherwise.</summary>
    public DateTimeOffset? StartAt { get; init; }

    /// <summary>When to stop; must be after <see cref="StartAt"/>.</summary>
    public DateTimeOffset? EndAt { get; init; }

    /// <summary>The recipients' local hours in which messages may go out.</summary>
    public SendWindow? SendWindow { get; init; }

    /// <summary>IANA zone for recipients without one.</summary>
    public string? DefaultTimeZone { get; init; }

    /// <summary>At most this many messages per second (1–100,000).</summary>
    public int? MessagesPerSecond { get; init; }

    /// <summary>The caller's correlation id.</summary>
    public string? CorrelationId { get; init; }

    /// <summary>A JSON object.</summary>
    public JsonElement? Metadata { get; init; }
}
