using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Mailing.Store.EfCore.Entities;

internal sealed class ContactConfiguration : IEntityTypeConfiguration<ContactEntity>
{
    public void Configure(EntityTypeBuilder<ContactEntity> b)
    {
        b.ToTable("mailing_contacts");
        b.HasKey(c => new { c.ClientId, c.Id });
        b.Property(c => c.ClientId).HasColumnName("client_id").HasMaxLength(MailingLimits.MaxClientIdLength);
        b.Property(c => c.Id).HasColumnName("id").ValueGeneratedNever();
        b.Property(c => c.Audience).HasColumnName("audience").HasMaxLength(MailingLimits.MaxAudienceLength);
        b.Property(c => c.Email).HasColumnName("email").HasMaxLength(MailingLimits.MaxEmailLength);
        b.Property(c => c.NormalizedEmail).HasColumnName("normalized_email").HasMaxLength(MailingLimits.MaxEmailLength);
        b.Property(c => c.Name).HasColumnName("name").HasMaxLength(MailingLimits.MaxNameLength);
        b.Property(c => c.CreatedAt).HasColumnName("created_at");
        b.Property(c => c.UpdatedAt).HasColumnName("updated_at");
        b.HasIndex(c => new { c.ClientId, c.Audience, c.NormalizedEmail })
            .IsUnique()
            .HasFilter("normalized_email IS NOT NULL")
            .HasDatabaseName("ux_mailing_contacts_email");

        // Columns added with contacts: nullable or defaulted only, see ContactEntity.
        b.Property(c => c.Phone).HasColumnName("phone").HasMaxLength(MailingLimits.MaxPhoneLength);
        b.Property(c => c.TimeZone).HasColumnName("time_zone").HasMaxLength(MailingLimits.MaxTimeZoneLength);
        b.Property(c => c.Tags).HasColumnName("tags");
        b.Property(c => c.Attributes).HasColumnName("attributes");
        b.Property(c => c.Status).HasColumnName("status").HasMaxLength(16).HasDefaultValue(ContactStatuses.Active);
        b.Property(c => c.ExternalId).HasColumnName("external_id").HasMaxLength(MailingLimits.MaxExternalIdLength);
        b.Property(c => c.DeletedAt).HasColumnName("deleted_at");
        b.HasIndex(c => new { c.ClientId, c.Audience, c.Phone })
            .IsUnique()
            .HasFilter("phone IS NOT NULL")
            .HasDatabaseName("ux_mailing_contacts_phone");
        b.HasIndex(c => new { c.ClientId, c.Audience, c.ExternalId })
            .IsUnique()
            .HasFilter("external_id IS NOT NULL")
            .HasDatabaseName("ux_mailing_contacts_external_id");

        // Keyset pages of an audience seek along (client_id, audience, id).
        b.HasIndex(c => new { c.ClientId, c.Audience, c.Id }).HasDatabaseName("ix_mailing_contacts_audience_id");
    }
}

internal sealed class ContactTagConfiguration : IEntityTypeConfiguration<ContactTagEntity>
{
    public void Configure(EntityTypeBuilder<ContactTagEntity> b)
    {
        b.ToTable("mailing_contact_tags");
        b.HasKey(t => new { t.ClientId, t.ContactId, t.Tag });
        b.Property(t => t.ClientId).HasColumnName("client_id").HasMaxLength(MailingLimits.MaxClientIdLength);
        b.Property(t => t.ContactId).HasColumnName("contact_id");
        b.Property(t => t.Tag).HasColumnName("tag").HasMaxLength(MailingLimits.MaxTagLength);
        b.HasIndex(t => new { t.ClientId, t.Tag, t.ContactId }).HasDatabaseName("ix_mailing_contact_tags_tag");
        b.HasOne<ContactEntity>().WithMany()
            .HasForeignKey(t => new { t.ClientId, t.ContactId }).HasPrincipalKey(c => new { c.ClientId, c.Id })
            .OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class RecipientListConfiguration : IEntityTypeConfiguration<RecipientListEntity>
{
    public void Configure(EntityTypeBuilder<RecipientListEntity> b)
    {
        b.ToTable("mailing_recipient_lists");
        b.HasKey(l => new { l.ClientId, l.Id });
        b.Property(l => l.ClientId).HasColumnName("client_id").HasMaxLength(MailingLimits.MaxClientIdLength);
        b.Property(l => l.Id).HasColumnName("id").ValueGeneratedNever();
        b.Property(l => l.Audience).HasColumnName("audience").HasMaxLength(MailingLimits.MaxAudienceLength);
        b.Property(l => l.Key).HasColumnName("key").HasMaxLength(MailingLimits.MaxListKeyLength);
        b.Property(l => l.Type).HasColumnName("type").HasMaxLength(MailingLimits.MaxListTypeLength);
        b.Property(l => l.Name).HasColumnName("name").HasMaxLength(MailingLimits.MaxNameLength);
        b.Property(l => l.Metadata).HasColumnName("metadata");
        b.Property(l => l.MemberCount).HasColumnName("member_count");
        b.Property(l => l.ActiveMemberCount).HasColumnName("active_member_count");
        b.Property(l => l.LastReconciledAt).HasColumnName("last_reconciled_at");
        b.Property(l => l.LastReconcileStatus).HasColumnName("last_reconcile_status").HasMaxLength(32);
        b.Property(l => l.LastReconcileSummary).HasColumnName("last_reconcile_summary");
        b.Property(l => l.CreatedAt).HasColumnName("created_at");
        b.Property(l => l.UpdatedAt).HasColumnName("updated_at");
        b.HasIndex(l => new { l.ClientId, l.Audience, l.Key }).IsUnique().HasDatabaseName("ux_mailing_recipient_lists_key");
    }
}

internal sealed class RecipientListMemberConfiguration : IEntityTypeConfiguration<RecipientListMemberEntity>
{
    public void Configure(EntityTypeBuilder<RecipientListMemberEntity> b)
    {
        b.ToTable("mailing_recipient_list_members");
        b.HasKey(m => new { m.ClientId, m.Id });
        b.Property(m => m.ClientId).HasColumnName("client_id").HasMaxLength(MailingLimits.MaxClientIdLength);
        b.Property(m => m.Id).HasColumnName("id").ValueGeneratedNever();
        b.Property(m => m.ListId).HasColumnName("list_id");
        b.Property(m => m.ContactId).HasColumnName("contact_id");
        b.Property(m => m.EmailSnapshot).HasColumnName("email_snapshot").HasMaxLength(MailingLimits.MaxEmailLength);
        b.Property(m => m.SourceObjectKey).HasColumnName("source_object_key").HasMaxLength(MailingLimits.MaxSourceObjectKeyLength);
        b.Property(m => m.Metadata).HasColumnName("metadata");
        b.Property(m => m.Active).HasColumnName("active");
        b.Property(m => m.RemovedAt).HasColumnName("removed_at");
        b.Property(m => m.CreatedAt).HasColumnName("created_at");
        b.Property(m => m.UpdatedAt).HasColumnName("updated_at");
        b.HasIndex(m => new { m.ClientId, m.ListId, m.SourceObjectKey }).IsUnique().HasDatabaseName("ux_mailing_list_members_source_key");
        b.HasIndex(m => new { m.ClientId, m.ListId, m.ContactId }).IsUnique().HasDatabaseName("ux_mailing_list_members_contact");
        b.HasIndex(m => new { m.ClientId, m.ContactId }).HasDatabaseName("ix_mailing_list_members_contact");

        // No foreign keys on purpose: a bulk insert would run two FK triggers per member (six times the
        // cost of the insert itself at a million members). Members are only ever written by the store,
        // in the transaction that resolved their list and contacts.
    }
}

internal sealed class CampaignConfiguration : IEntityTypeConfiguration<CampaignEntity>
{
    public void Configure(EntityTypeBuilder<CampaignEntity> b)
    {
        b.ToTable("mailing_campaigns");
        b.HasKey(c => new { c.ClientId, c.Id });
        b.Property(c => c.ClientId).HasColumnName("client_id").HasMaxLength(MailingLimits.MaxClientIdLength);
        b.Property(c => c.Id).HasColumnName("id").ValueGeneratedNever();
        b.Property(c => c.Name).HasColumnName("name").HasMaxLength(MailingLimits.MaxNameLength);
        b.Property(c => c.Channel).HasColumnName("channel").HasMaxLength(16);
        b.Property(c => c.Stream).HasColumnName("stream").HasMaxLength(16);
        b.Property(c => c.SubjectTemplate).HasColumnName("subject_template");
        b.Property(c => c.BodyTemplate).HasColumnName("body_template");
        b.Property(c => c.Audience).HasColumnName("audience");
        b.Property(c => c.StartAt).HasColumnName("start_at");
        b.Property(c => c.EndAt).HasColumnName("end_at");
        b.Property(c => c.WindowFrom).HasColumnName("window_from");
        b.Property(c => c.WindowTo).HasColumnName("window_to");
        b.Property(c => c.DefaultTimeZone).HasColumnName("default_time_zone").HasMaxLength(MailingLimits.MaxTimeZoneLength);
        b.Property(c => c.MessagesPerSecond).HasColumnName("messages_per_second");
        b.Property(c => c.CorrelationId).HasColumnName("correlation_id").HasMaxLength(MailingLimits.MaxCorrelationIdLength);
        b.Property(c => c.Metadata).HasColumnName("metadata");
        b.Property(c => c.Status).HasColumnName("status").HasMaxLength(16);
        b.Property(c => c.StatusReason).HasColumnName("status_reason").HasMaxLength(MailingLimits.MaxDiagnosticTextLength);
        b.Property(c => c.StartedAt).HasColumnName("started_at");
        b.Property(c => c.FinishedAt).HasColumnName("finished_at");
        b.Property(c => c.CreatedAt).HasColumnName("created_at");
        b.Property(c => c.UpdatedAt).HasColumnName("updated_at");
        b.Property(c => c.PackCheckpoint).HasColumnName("pack_checkpoint");
        b.Property(c => c.Packed).HasColumnName("packed");
        b.Property(c => c.PackLeaseToken).HasColumnName("pack_lease_token");
        b.Property(c => c.PackLeaseUntil).HasColumnName("pack_lease_until");
        b.Property(c => c.SweepAt).HasColumnName("sweep_at");

        // A client's campaigns, newest first, optionally by status.
        b.HasIndex(c => new { c.ClientId, c.Status, c.Id }).HasDatabaseName("ix_mailing_campaigns_status");

        // The dispatcher's scan for due and expiring campaigns, across clients: a small table, and no unique
        // constraint, so it need not lead with client_id to stay distributable.
        b.HasIndex(c => new { c.Status, c.StartAt }).HasDatabaseName("ix_mailing_campaigns_due");
    }
}

internal sealed class DeliveryConfiguration : IEntityTypeConfiguration<DeliveryEntity>
{
    public void Configure(EntityTypeBuilder<DeliveryEntity> b)
    {
        b.ToTable("mailing_deliveries");
        b.HasKey(d => new { d.ClientId, d.Id });
        b.Property(d => d.ClientId).HasColumnName("client_id").HasMaxLength(MailingLimits.MaxClientIdLength);
        b.Property(d => d.Id).HasColumnName("id").ValueGeneratedNever();
        b.Property(d => d.CampaignId).HasColumnName("campaign_id");
        b.Property(d => d.ContactId).HasColumnName("contact_id");
        b.Property(d => d.Recipient).HasColumnName("recipient").HasMaxLength(MailingLimits.MaxEmailLength);
        b.Property(d => d.RecipientDomain).HasColumnName("recipient_domain").HasMaxLength(MailingLimits.MaxEmailLength);
        b.Property(d => d.Stream).HasColumnName("stream").HasMaxLength(16);
        b.Property(d => d.IdempotencyKey).HasColumnName("idempotency_key").HasMaxLength(100);
        b.Property(d => d.Status).HasColumnName("status").HasMaxLength(16);
        b.Property(d => d.Attempts).HasColumnName("attempts");
        b.Property(d => d.NextAttemptAt).HasColumnName("next_attempt_at");
        b.Property(d => d.LeaseToken).HasColumnName("lease_token");
        b.Property(d => d.LastError).HasColumnName("last_error").HasMaxLength(MailingLimits.MaxDiagnosticTextLength);
        b.Property(d => d.Transport).HasColumnName("transport").HasMaxLength(64);
        b.Property(d => d.ProviderMessageId).HasColumnName("provider_message_id").HasMaxLength(MailingLimits.MaxProviderIdLength);
        b.Property(d => d.DispatchedAt).HasColumnName("dispatched_at");
        b.Property(d => d.DeliveredAt).HasColumnName("delivered_at");
        b.Property(d => d.BouncedAt).HasColumnName("bounced_at");
        b.Property(d => d.ComplainedAt).HasColumnName("complained_at");
        b.Property(d => d.SuppressedAt).HasColumnName("suppressed_at");
        b.Property(d => d.Terminal).HasColumnName("terminal");
        b.Property(d => d.LastEventType).HasColumnName("last_event_type").HasMaxLength(32);
        b.Property(d => d.LastEventAt).HasColumnName("last_event_at");
        b.Property(d => d.LockVersion).HasColumnName("lock_version").HasDefaultValue(1);
        b.Property(d => d.CreatedAt).HasColumnName("created_at");
        b.Property(d => d.UpdatedAt).HasColumnName("updated_at");

        // One delivery per (campaign, contact): a crash mid-pack and a re-pack cannot make a second one.
        b.HasIndex(d => new { d.ClientId, d.CampaignId, d.ContactId }).IsUnique().HasDatabaseName("ux_mailing_deliveries_contact");

        // Claims: a campaign's open deliveries by due time (leased ones are due when their lease runs out).
        b.HasIndex(d => new { d.ClientId, d.CampaignId, d.NextAttemptAt })
            .HasFilter("status IN ('queued', 'deferred', 'sending')")
            .HasDatabaseName("ix_mailing_deliveries_due");

        // A campaign's deliveries of one status in recipient order (keyset pages; all statuses use the unique index), and its counts.
        b.HasIndex(d => new { d.ClientId, d.CampaignId, d.Status, d.ContactId }).HasDatabaseName("ix_mailing_deliveries_status");
    }
}
