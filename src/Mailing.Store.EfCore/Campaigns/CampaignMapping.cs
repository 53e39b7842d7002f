using System.Text.Json;
using Mailing.Store.EfCore.Entities;

namespace Mailing.Store.EfCore.Campaigns;

/// <summary>Maps campaign and delivery rows to the public models and back.</summary>
internal static class CampaignMapping
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Campaign ToModel(this CampaignEntity e) => new()
    {
        Id = e.Id,
        ClientId = e.ClientId,
        Name = e.Name,
        Channel = StoredEnum<MessageChannel>.Parse(e.Channel),
        Stream = StoredEnum<MessageStream>.Parse(e.Stream),
        SubjectTemplate = e.SubjectTemplate,
        BodyTemplate = e.BodyTemplate,
        Audience = JsonSerializer.Deserialize<AudienceSelection>(e.Audience, Json) ?? new AudienceSelection(),
        StartAt = e.StartAt,
        EndAt = e.EndAt,
        SendWindow = e.WindowFrom is { } from && e.WindowTo is { } to ? new SendWindow(from, to) : null,
        DefaultTimeZone = e.DefaultTimeZone,
        MessagesPerSecond = e.MessagesPerSecond,
        CorrelationId = e.CorrelationId,
        Metadata = JsonDocument.Parse(e.Metadata).RootElement.Clone(),
        Status = StoredEnum<CampaignStatus>.Parse(e.Status),
        StatusReason = e.StatusReason,
        StartedAt = e.StartedAt,
        FinishedAt = e.FinishedAt,
        CreatedAt = e.CreatedAt,
        UpdatedAt = e.UpdatedAt,
    };

    public static CampaignEntity ToEntity(this Campaign c) => new()
    {
        ClientId = c.ClientId,
        Id = c.Id,
        Name = c.Name,
        Channel = StoredEnum<MessageChannel>.Name(c.Channel),
        Stream = StoredEnum<MessageStream>.Name(c.Stream),
        SubjectTemplate = c.SubjectTemplate,
        BodyTemplate = c.BodyTemplate,
        Audience = SerializeAudience(c.Audience),
        StartAt = c.StartAt,
        EndAt = c.EndAt,
        WindowFrom = c.SendWindow?.From,
        WindowTo = c.SendWindow?.To,
        DefaultTimeZone = c.DefaultTimeZone,
        MessagesPerSecond = c.MessagesPerSecond,
        CorrelationId = c.CorrelationId,
        Metadata = c.Metadata.ValueKind == JsonValueKind.Undefined ? "{}" : c.Metadata.GetRawText(),
        Status = StoredEnum<CampaignStatus>.Name(c.Status),
        StatusReason = c.StatusReason,
        StartedAt = c.StartedAt,
        FinishedAt = c.FinishedAt,
        CreatedAt = c.CreatedAt,
        UpdatedAt = c.UpdatedAt,
    };

    public static string SerializeAudience(AudienceSelection audience) => JsonSerializer.Serialize(audience, Json);

    public static string SerializeCheckpoint(AudienceCheckpoint checkpoint) => JsonSerializer.Serialize(checkpoint, Json);

    public static AudienceCheckpoint? ParseCheckpoint(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<AudienceCheckpoint>(json, Json);

    public static Delivery ToModel(this DeliveryEntity e) => new()
    {
        Id = e.Id,
        CampaignId = e.CampaignId,
        ContactId = e.ContactId,
        Recipient = e.Recipient,
        RecipientDomain = e.RecipientDomain,
        IdempotencyKey = e.IdempotencyKey,
        Status = StoredEnum<DeliveryStatus>.Parse(e.Status),
        Attempts = e.Attempts,
        NextAttemptAt = e.NextAttemptAt,
        LastError = e.LastError,
        Transport = e.Transport,
        ProviderMessageId = e.ProviderMessageId,
        SentAt = e.DispatchedAt,
        DeliveredAt = e.DeliveredAt,
        BouncedAt = e.BouncedAt,
        ComplainedAt = e.ComplainedAt,
        SuppressedAt = e.SuppressedAt,
        Terminal = e.Terminal,
        LastEventType = StoredEnum<DeliveryEventType>.ParseOrNull(e.LastEventType), // rows of earlier versions may hold 'expired' or 'cancelled'
        LastEventAt = e.LastEventAt,
        CreatedAt = e.CreatedAt,
        UpdatedAt = e.UpdatedAt,
    };
}
