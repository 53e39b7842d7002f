using Mailing.Store.EfCore.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Mailing.Store.EfCore.Events;

/// <summary>One reported delivery event (<c>mailing_delivery_events</c>), append-only. Types and reasons are stored as their JSON names.</summary>
internal sealed class DeliveryEventEntity
{
    public required string ClientId { get; set; }
    public Guid Id { get; set; }
    public required string Provider { get; set; }
    public required string ProviderEventId { get; set; }
    public required string EventType { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public string? ProviderMessageId { get; set; }

    /// <summary>The linked delivery; null while the event is an orphan.</summary>
    public Guid? DeliveryId { get; set; }

    public Guid? CampaignId { get; set; }
    public string? Recipient { get; set; }
    public string? RejectReason { get; set; }
    public string? Description { get; set; }
    public string? MtaResponse { get; set; }

    /// <summary>The provider's raw payload as JSON text.</summary>
    public string? Payload { get; set; }
}

internal sealed class DeliveryEventConfiguration : IEntityTypeConfiguration<DeliveryEventEntity>
{
    public void Configure(EntityTypeBuilder<DeliveryEventEntity> b)
    {
        b.ToTable("mailing_delivery_events");
        b.HasKey(e => new { e.ClientId, e.Id });
        b.Property(e => e.ClientId).HasColumnName("client_id").HasMaxLength(MailingLimits.MaxClientIdLength);
        b.Property(e => e.Id).HasColumnName("id").ValueGeneratedNever();
        b.Property(e => e.Provider).HasColumnName("provider").HasMaxLength(MailingLimits.MaxProviderNameLength);
        b.Property(e => e.ProviderEventId).HasColumnName("provider_event_id").HasMaxLength(MailingLimits.MaxProviderIdLength);
        b.Property(e => e.EventType).HasColumnName("event_type").HasMaxLength(32);
        b.Property(e => e.OccurredAt).HasColumnName("occurred_at");
        b.Property(e => e.ReceivedAt).HasColumnName("received_at");
        b.Property(e => e.ProviderMessageId).HasColumnName("provider_message_id").HasMaxLength(MailingLimits.MaxProviderIdLength);
        b.Property(e => e.DeliveryId).HasColumnName("delivery_id");
        b.Property(e => e.CampaignId).HasColumnName("campaign_id");
        b.Property(e => e.Recipient).HasColumnName("recipient").HasMaxLength(MailingLimits.MaxEmailLength);
        b.Property(e => e.RejectReason).HasColumnName("reject_reason").HasMaxLength(32);
        b.Property(e => e.Description).HasColumnName("description").HasMaxLength(MailingLimits.MaxDiagnosticTextLength);
        b.Property(e => e.MtaResponse).HasColumnName("mta_response").HasMaxLength(MailingLimits.MaxDiagnosticTextLength);
        b.Property(e => e.Payload).HasColumnName("payload");

        // A provider retrying its webhook reports the same event id again: stored once.
        b.HasIndex(e => new { e.ClientId, e.Provider, e.ProviderEventId }).IsUnique().HasDatabaseName("ux_mailing_delivery_events_provider_event");

        // A delivery's history.
        b.HasIndex(e => new { e.ClientId, e.DeliveryId }).HasDatabaseName("ix_mailing_delivery_events_delivery");

        // Orphans waiting for their message to be known.
        b.HasIndex(e => new { e.ClientId, e.ProviderMessageId })
            .HasFilter("delivery_id IS NULL")
            .HasDatabaseName("ix_mailing_delivery_events_orphans");
    }
}

/// <summary>Adds to <c>mailing_deliveries</c> the lookup events link by: the provider's message id.</summary>
internal sealed class DeliveryEventLookupConfiguration : IEntityTypeConfiguration<DeliveryEntity>
{
    public void Configure(EntityTypeBuilder<DeliveryEntity> b) =>
        b.HasIndex(d => new { d.ClientId, d.ProviderMessageId })
            .HasFilter("provider_message_id IS NOT NULL")
            .HasDatabaseName("ix_mailing_deliveries_provider_message");
}
