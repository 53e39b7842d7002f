using System.Text.Json;
using Mailing.Store.EfCore.Entities;

namespace Mailing.Store.EfCore.Entities;

/// <summary>Maps rows to the public models.</summary>
internal static class EntityMapping
{
    public static RecipientList ToModel(this RecipientListEntity e) => new()
    {
        Id = e.Id,
        ClientId = e.ClientId,
        Audience = e.Audience,
        Key = e.Key,
        Type = e.Type,
        Name = e.Name,
        Metadata = ParseObject(e.Metadata),
        MemberCount = e.MemberCount,
        ActiveMemberCount = e.ActiveMemberCount,
        LastReconcile = e.LastReconciledAt is { } at && e.LastReconcileStatus is { } status
            ? new ReconcileReport(Enum.Parse<ReconcileStatus>(status), at, DeserializeCounts(e.LastReconcileSummary))
            : null,
        CreatedAt = e.CreatedAt,
        UpdatedAt = e.UpdatedAt,
    };

    public static RecipientListMember ToModel(this RecipientListMemberEntity e) => new()
    {
        Id = e.Id,
        ListId = e.ListId,
        ContactId = e.ContactId,
        EmailSnapshot = e.EmailSnapshot,
        SourceObjectKey = e.SourceObjectKey,
        Metadata = ParseObject(e.Metadata),
        Active = e.Active,
        RemovedAt = e.RemovedAt,
        CreatedAt = e.CreatedAt,
        UpdatedAt = e.UpdatedAt,
    };

    public static Contact ToModel(this ContactEntity e) => new()
    {
        Id = e.Id,
        ClientId = e.ClientId,
        Audience = e.Audience,
        Email = e.Email,
        Phone = e.Phone,
        Name = e.Name,
        TimeZone = e.TimeZone,
        Tags = string.IsNullOrEmpty(e.Tags) ? [] : JsonSerializer.Deserialize<string[]>(e.Tags) ?? [],
        Attributes = ParseObject(e.Attributes),
        Status = ContactStatuses.FromStored(e.Status),
        ExternalId = e.ExternalId,
        CreatedAt = e.CreatedAt,
        UpdatedAt = e.UpdatedAt,
    };

    public static string SerializeCounts(MemberOutcomeCounts counts) => JsonSerializer.Serialize(counts);

    private static MemberOutcomeCounts DeserializeCounts(string? json) =>
        string.IsNullOrEmpty(json) ? new MemberOutcomeCounts() : JsonSerializer.Deserialize<MemberOutcomeCounts>(json) ?? new MemberOutcomeCounts();

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    public static JsonElement ParseObject(string? json)
    {
        if (string.IsNullOrEmpty(json) || json == "{}")
        {
            return EmptyObject;
        }

        using var document = JsonDocument.Parse(string.IsNullOrEmpty(json) ? "{}" : json);
        return document.RootElement.Clone();
    }
}
