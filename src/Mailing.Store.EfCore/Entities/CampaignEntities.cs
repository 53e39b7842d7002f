namespace Mailing.Store.EfCore.Entities;

/// <summary>A campaign (<c>mailing_campaigns</c>). Statuses, channels and streams are stored as their lower-case JSON names.</summary>
internal sealed class CampaignEntity
{
    public required string ClientId { get; set; }
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public required string Channel { get; set; }
    public required string Stream { get; set; }
    public string? SubjectTemplate { get; set; }
    public required string BodyTemplate { get; set; }

    /// <summary>The audience selection as JSON text.</summary>
    public required string Audience { get; set; }

    public DateTimeOffset? StartAt { get; set; }
    public DateTimeOffset? EndAt { get; set; }
    public TimeOnly? WindowFrom { get; set; }
    public TimeOnly? WindowTo { get; set; }
    public string? DefaultTimeZone { get; set; }
    public int? MessagesPerSecond { get; set; }
    public string? CorrelationId { get; set; }
    public required string Metadata { get; set; }
    public required string Status { get; set; }
    public string? StatusReason { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Where making the deliveries stands (the audience run's checkpoint as JSON); null before it started.</summary>
    public string? PackCheckpoint { get; set; }

    /// <summary>Whether every delivery has been made.</summary>
    public bool Packed { get; set; }

    /// <summary>The lease of the dispatcher making the deliveries: token and expiry.</summary>
    public Guid? PackLeaseToken { get; set; }
    public DateTimeOffset? PackLeaseUntil { get; set; }

    /// <summary>For a cancelled or expired campaign: when to finish deliveries that a crashed sender left leased.</summary>
    public DateTimeOffset? SweepAt { get; set; }
}

/// <summary>One campaign's message to one contact (<c>mailing_deliveries</c>), with the projection columns of its events.</summary>
internal sealed class DeliveryEntity
{
    public required string ClientId { get; set; }
    public Guid Id { get; set; }
    public Guid CampaignId { get; set; }
    public Guid ContactId { get; set; }
    public required string Recipient { get; set; }
    public string? RecipientDomain { get; set; }
    public required string Stream { get; set; }
    public required string IdempotencyKey { get; set; }
    public required string Status { get; set; }
    public int Attempts { get; set; }

    /// <summary>When the delivery is next claimable: its due time, or for a leased one, when the lease runs out.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    public Guid? LeaseToken { get; set; }
    public string? LastError { get; set; }
    public string? Transport { get; set; }
    public string? ProviderMessageId { get; set; }
    public DateTimeOffset? DispatchedAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public DateTimeOffset? BouncedAt { get; set; }
    public DateTimeOffset? ComplainedAt { get; set; }
    public DateTimeOffset? SuppressedAt { get; set; }
    public bool Terminal { get; set; }
    public string? LastEventType { get; set; }
    public DateTimeOffset? LastEventAt { get; set; }
    public int LockVersion { get; set; } = 1;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
