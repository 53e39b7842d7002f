using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mailing.AspNetCore.Campaigns;

// Wire shapes of the campaign endpoints: public, so clients in .NET can share them. Property names follow
// the host's JSON options (camelCase by default; snake_case with JsonNamingPolicy.SnakeCaseLower); enum
// values are the lower-case strings of the Abstractions enums (channel "email", status "sending", ...).

/// <summary>
/// Body of <c>POST /campaigns</c>, and the document a <c>PATCH /campaigns/{id}</c> merge patch (RFC 7396) applies to.
/// </summary>
/// <param name="Name">A name for people (required).</param>
/// <param name="Channel"><c>email</c>, <c>sms</c> or <c>webhook</c> (required).</param>
/// <param name="Stream"><c>transactional</c>, <c>operational</c> or <c>bulk</c> (the default).</param>
/// <param name="SubjectTemplate">The subject's Liquid template (email).</param>
/// <param name="BodyTemplate">The body's Liquid template (required), e.g. <c>Hello {{ contact.name }}</c>.</param>
/// <param name="Audience">Who receives it (required): the same JSON as <c>POST /audiences/count</c>.</param>
/// <param name="StartAt">When to start: the campaign is <c>scheduled</c> when given, a <c>draft</c> otherwise.</param>
/// <param name="EndAt">After this instant nothing more is sent; must be after <paramref name="StartAt"/>.</param>
/// <param name="SendWindow">The recipients' local hours in which messages may go out; none: any time.</param>
/// <param name="DefaultTimeZone">IANA time zone of recipients who have none (default UTC).</param>
/// <param name="MessagesPerSecond">At most this many messages per second (1–100,000); none: no limit.</param>
/// <param name="CorrelationId">Your id for tracing the mailout across systems.</param>
/// <param name="Metadata">Free-form JSON object, available to templates as <c>campaign.metadata</c>.</param>
/// <remarks>
/// Every member may be left out on the wire (a merge patch names only what changes); what a campaign needs is
/// checked when it is created or updated, and reported as a 400 naming the field.
/// </remarks>
public sealed record CampaignBody(
    string? Name = null,
    MessageChannel? Channel = null,
    MessageStream? Stream = null,
    string? SubjectTemplate = null,
    string? BodyTemplate = null,
    AudienceSelection? Audience = null,
    DateTimeOffset? StartAt = null,
    DateTimeOffset? EndAt = null,
    CampaignSendWindow? SendWindow = null,
    string? DefaultTimeZone = null,
    int? MessagesPerSecond = null,
    string? CorrelationId = null,
    JsonElement? Metadata = null)
{
    /// <summary>The campaign's author fields, as a body that recreates them.</summary>
    internal static CampaignBody From(Campaign c) => new(
        c.Name, c.Channel, c.Stream, c.SubjectTemplate, c.BodyTemplate, c.Audience, c.StartAt, c.EndAt,
        c.SendWindow is null ? null : CampaignSendWindow.Of(c.SendWindow), c.DefaultTimeZone, c.MessagesPerSecond, c.CorrelationId, c.Metadata);

    /// <summary>Checks what only the wire can get wrong (send-window text, enum numbers); Core validates the rest.</summary>
    internal CampaignInput ToInput()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        WireEnum<MessageChannel>.Check(Channel, nameof(Channel), errors);
        WireEnum<MessageStream>.Check(Stream, nameof(Stream), errors);
        var window = SendWindow?.ToSendWindow(errors);
        if (errors.Count > 0)
        {
            throw new MailingValidationException(errors);
        }

        return new CampaignInput
        {
            Name = Name,
            Channel = Channel,
            Stream = Stream,
            SubjectTemplate = SubjectTemplate,
            BodyTemplate = BodyTemplate,
            Audience = Audience,
            StartAt = StartAt,
            EndAt = EndAt,
            SendWindow = window,
            DefaultTimeZone = DefaultTimeZone,
            MessagesPerSecond = MessagesPerSecond,
            CorrelationId = CorrelationId,
            Metadata = Metadata,
        };
    }
}

/// <summary>
/// The hours of the recipient's local day in which messages may go out, as 24-hour <c>"HH:mm"</c> strings:
/// <c>{"from": "09:00", "to": "21:00"}</c>. <c>from</c> is inclusive, <c>to</c> exclusive; a window whose
/// <c>from</c> is after its <c>to</c> crosses midnight (<c>22:00</c>–<c>06:00</c>).
/// </summary>
/// <param name="From">Local time the window opens, <c>"HH:mm"</c> (required).</param>
/// <param name="To">Local time the window closes, <c>"HH:mm"</c> (required).</param>
public sealed record CampaignSendWindow(
    [property: RegularExpression(CampaignSendWindow.Pattern)] string? From,
    [property: RegularExpression(CampaignSendWindow.Pattern)] string? To)
{
    private const string Pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$";
    private const string Format = "HH:mm";

    internal static CampaignSendWindow Of(SendWindow window) =>
        new(window.From.ToString(Format, CultureInfo.InvariantCulture), window.To.ToString(Format, CultureInfo.InvariantCulture));

    internal SendWindow? ToSendWindow(Dictionary<string, string[]> errors)
    {
        var from = Parse(From, "SendWindow.From", errors);
        var to = Parse(To, "SendWindow.To", errors);
        return from is { } f && to is { } t ? new SendWindow(f, t) : null;
    }

    private static TimeOnly? Parse(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (value is { Length: 5 } && TimeOnly.TryParseExact(value, Format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return time;
        }

        errors[field] = [value is null ? "Required: a 24-hour local time such as \"09:00\"." : $"Expected a 24-hour local time \"HH:mm\" such as \"09:00\", not \"{value}\"."];
        return null;
    }
}

/// <summary>Optional body of <c>POST /campaigns/{id}/schedule</c>.</summary>
/// <param name="StartAt">When to start; omitted: the campaign's own <c>startAt</c>.</param>
public sealed record ScheduleBody(DateTimeOffset? StartAt = null);

/// <summary>Body of <c>POST /campaigns/{id}/preview</c>.</summary>
/// <param name="ContactId">The contact (of the caller's client) to render the message for (required).</param>
public sealed record PreviewBody(Guid? ContactId);

/// <summary>A campaign as the API returns it.</summary>
/// <param name="Id">The campaign's id.</param>
/// <param name="Name">A name for people.</param>
/// <param name="Channel"><c>email</c>, <c>sms</c> or <c>webhook</c>.</param>
/// <param name="Stream"><c>transactional</c>, <c>operational</c> or <c>bulk</c>.</param>
/// <param name="SubjectTemplate">The subject's Liquid template, or <see langword="null"/>.</param>
/// <param name="BodyTemplate">The body's Liquid template.</param>
/// <param name="Audience">Who receives it (<c>{audience, lists, tags, phonePrefixes, attributes}</c>).</param>
/// <param name="StartAt">When sending starts; <see langword="null"/> for an unscheduled draft.</param>
/// <param name="EndAt">After this instant nothing more is sent; <see langword="null"/>: no end.</param>
/// <param name="SendWindow">The recipients' local sending hours; <see langword="null"/>: any time.</param>
/// <param name="DefaultTimeZone">IANA time zone of recipients who have none; <see langword="null"/>: UTC.</param>
/// <param name="MessagesPerSecond">The throttle; <see langword="null"/>: none.</param>
/// <param name="CorrelationId">The caller's correlation id.</param>
/// <param name="Metadata">Free-form JSON object.</param>
/// <param name="Status"><c>draft</c>, <c>scheduled</c>, <c>sending</c>, <c>paused</c>, <c>completed</c>, <c>cancelled</c>, <c>expired</c> or <c>failed</c>.</param>
/// <param name="StatusReason">Why the campaign failed, expired or was cancelled, for people.</param>
/// <param name="StartedAt">When sending began.</param>
/// <param name="FinishedAt">When the campaign reached a final status.</param>
/// <param name="CreatedAt">When the campaign was created.</param>
/// <param name="UpdatedAt">When the campaign last changed.</param>
public sealed record CampaignResponse(
    Guid Id,
    string Name,
    MessageChannel Channel,
    MessageStream Stream,
    string? SubjectTemplate,
    string BodyTemplate,
    AudienceSelection Audience,
    DateTimeOffset? StartAt,
    DateTimeOffset? EndAt,
    CampaignSendWindow? SendWindow,
    string? DefaultTimeZone,
    int? MessagesPerSecond,
    string? CorrelationId,
    JsonElement Metadata,
    CampaignStatus Status,
    string? StatusReason,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    internal static CampaignResponse From(Campaign c) => new(
        c.Id, c.Name, c.Channel, c.Stream, c.SubjectTemplate, c.BodyTemplate, c.Audience, c.StartAt, c.EndAt,
        c.SendWindow is null ? null : CampaignSendWindow.Of(c.SendWindow), c.DefaultTimeZone, c.MessagesPerSecond, c.CorrelationId, c.Metadata,
        c.Status, c.StatusReason, c.StartedAt, c.FinishedAt, c.CreatedAt, c.UpdatedAt);
}

/// <summary>Answer of <c>POST /campaigns/{id}/retry-failed</c>.</summary>
/// <param name="Requeued">How many failed deliveries were queued again (0 when there were none).</param>
/// <param name="Campaign">The campaign afterwards (a completed campaign with requeued deliveries is <c>sending</c> again).</param>
public sealed record RetryFailedResponse(long Requeued, CampaignResponse Campaign);

/// <summary>A message rendered for one contact, without sending it.</summary>
/// <param name="ContactId">The contact.</param>
/// <param name="Recipient">The address it would go to, or <see langword="null"/> when the contact has none for the channel.</param>
/// <param name="Subject">The rendered subject, or <see langword="null"/> without a subject template.</param>
/// <param name="Body">The rendered body.</param>
public sealed record PreviewResponse(Guid ContactId, string? Recipient, string? Subject, string Body)
{
    internal static PreviewResponse From(RenderedMessage m) => new(m.ContactId, m.Recipient, m.Subject, m.Body);
}

/// <summary>One campaign's message to one contact, as the API returns it.</summary>
/// <param name="Id">The delivery's id.</param>
/// <param name="CampaignId">The campaign.</param>
/// <param name="ContactId">The recipient contact.</param>
/// <param name="Recipient">The address (email or E.164 phone), fixed when the delivery was made.</param>
/// <param name="RecipientDomain">The lower-case domain of an email recipient.</param>
/// <param name="IdempotencyKey">Sent with every attempt, so a provider accepts the message at most once.</param>
/// <param name="Status"><c>queued</c>, <c>deferred</c>, <c>sending</c>, <c>sent</c>, <c>failed</c>, <c>expired</c>, <c>cancelled</c> or <c>suppressed</c>.</param>
/// <param name="Attempts">Attempts handed to a transport so far.</param>
/// <param name="NextAttemptAt">When it may next be tried.</param>
/// <param name="LastError">The last failure, as the transport described it.</param>
/// <param name="Transport">The transport that sent it.</param>
/// <param name="ProviderMessageId">The provider's id of the accepted message.</param>
/// <param name="SentAt">When a transport accepted it.</param>
/// <param name="DeliveredAt">The time of its first <c>delivered</c> event.</param>
/// <param name="BouncedAt">The time of its first <c>bounced</c> event.</param>
/// <param name="ComplainedAt">The time of its first <c>complained</c> event.</param>
/// <param name="SuppressedAt">When it was suppressed.</param>
/// <param name="Terminal">Whether its story has ended (a delivered, bounced, complained, rejected, failed or suppressed event, or the delivery failed, expired or was cancelled); never flips back.</param>
/// <param name="LastEventType">The type of its latest event by event time (<c>dispatched</c>, <c>delivered</c>, <c>opened</c>, …).</param>
/// <param name="LastEventAt">The time of its latest event.</param>
/// <param name="CreatedAt">When it was made.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record DeliveryResponse(
    Guid Id,
    Guid CampaignId,
    Guid ContactId,
    string Recipient,
    string? RecipientDomain,
    string IdempotencyKey,
    DeliveryStatus Status,
    int Attempts,
    DateTimeOffset? NextAttemptAt,
    string? LastError,
    string? Transport,
    string? ProviderMessageId,
    DateTimeOffset? SentAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? BouncedAt,
    DateTimeOffset? ComplainedAt,
    DateTimeOffset? SuppressedAt,
    bool Terminal,
    DeliveryEventType? LastEventType,
    DateTimeOffset? LastEventAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    internal static DeliveryResponse From(Delivery d) => new(
        d.Id, d.CampaignId, d.ContactId, d.Recipient, d.RecipientDomain, d.IdempotencyKey, d.Status, d.Attempts,
        d.NextAttemptAt, d.LastError, d.Transport, d.ProviderMessageId, d.SentAt, d.DeliveredAt, d.BouncedAt, d.ComplainedAt,
        d.SuppressedAt, d.Terminal, d.LastEventType, d.LastEventAt, d.CreatedAt, d.UpdatedAt);
}

/// <summary>A campaign's deliveries counted by status.</summary>
/// <param name="Queued">Made, not tried yet.</param>
/// <param name="Deferred">Waiting for the send window or a retry.</param>
/// <param name="Sending">Claimed by a sender.</param>
/// <param name="Sent">Accepted by a transport.</param>
/// <param name="Failed">Refused for good, or out of attempts.</param>
/// <param name="Expired">The campaign's end passed first.</param>
/// <param name="Cancelled">The campaign was cancelled first.</param>
/// <param name="Suppressed">The address is suppressed; nothing was sent.</param>
public sealed record DeliveryCounts(long Queued, long Deferred, long Sending, long Sent, long Failed, long Expired, long Cancelled, long Suppressed)
{
    internal static DeliveryCounts From(IReadOnlyDictionary<DeliveryStatus, long> counts) => new(
        counts.GetValueOrDefault(DeliveryStatus.Queued),
        counts.GetValueOrDefault(DeliveryStatus.Deferred),
        counts.GetValueOrDefault(DeliveryStatus.Sending),
        counts.GetValueOrDefault(DeliveryStatus.Sent),
        counts.GetValueOrDefault(DeliveryStatus.Failed),
        counts.GetValueOrDefault(DeliveryStatus.Expired),
        counts.GetValueOrDefault(DeliveryStatus.Cancelled),
        counts.GetValueOrDefault(DeliveryStatus.Suppressed));
}

/// <summary>A campaign's statistics: its deliveries counted by status, with attempts and timings.</summary>
/// <param name="CampaignId">The campaign.</param>
/// <param name="Name">Its name.</param>
/// <param name="Status">Its status.</param>
/// <param name="Deliveries">Deliveries per status; every status is present.</param>
/// <param name="Total">All deliveries.</param>
/// <param name="Attempts">Attempts handed to transports over all deliveries (<c>GET /campaigns/{id}/stats</c> only; <see langword="null"/> in the listing).</param>
/// <param name="StartedAt">When sending began.</param>
/// <param name="FinishedAt">When the campaign reached a final status.</param>
/// <param name="FirstSentAt">The first message accepted by a transport (<c>GET /campaigns/{id}/stats</c> only).</param>
/// <param name="LastSentAt">The last message accepted by a transport (<c>GET /campaigns/{id}/stats</c> only).</param>
public sealed record CampaignStatsResponse(
    Guid CampaignId,
    string Name,
    CampaignStatus Status,
    DeliveryCounts Deliveries,
    long Total,
    long? Attempts,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset? FirstSentAt,
    DateTimeOffset? LastSentAt)
{
    internal static CampaignStatsResponse From(CampaignStats s) => new(
        s.CampaignId, s.Name, s.Status, DeliveryCounts.From(s.Deliveries), s.Total, s.Attempts, s.StartedAt, s.FinishedAt, s.FirstSentAt, s.LastSentAt);
}

/// <summary>An enum's wire names (its <see cref="JsonStringEnumMemberNameAttribute"/>s), for query values and messages.</summary>
internal static class WireEnum<T>
    where T : struct, Enum
{
    private static readonly KeyValuePair<string, T>[] Members = [.. typeof(T).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => KeyValuePair.Create(f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name, (T)f.GetValue(null)!))];

    private static string Choices => string.Join(", ", Members.Select(m => m.Key));

    /// <summary>The wire name of <paramref name="value"/>.</summary>
    public static string Name(T value) => Members.First(m => EqualityComparer<T>.Default.Equals(m.Value, value)).Key;

    /// <summary>Reads a query value (case-insensitive); a value that names no member is a validation error of <paramref name="field"/>.</summary>
    public static T? Parse(string? value, string field)
    {
        if (value is null)
        {
            return null;
        }

        foreach (var member in Members)
        {
            if (string.Equals(member.Key, value, StringComparison.OrdinalIgnoreCase))
            {
                return member.Value;
            }
        }

        throw new MailingValidationException(field, $"Expected one of {Choices}, not '{value}'.");
    }

    /// <summary>Reports a number that names no member (JSON enums also accept numbers).</summary>
    public static void Check(T? value, string field, Dictionary<string, string[]> errors)
    {
        if (value is { } v && !Enum.IsDefined(v))
        {
            errors[field] = [$"Expected one of {Choices}, not {Convert.ToInt64(v, CultureInfo.InvariantCulture)}."];
        }
    }
}
