using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Mailing.Store.EfCore.Entities;

internal sealed class ContactConfiguration : IEntityTypeConfiguration<ContactEntity>
{
    public void Configure(EntityTypeBuilder<ContactEntity> b)
    {
        b.ToTable("mailing_contacts");
        b.HasKey(c => new { c.ClientId, c.Id });
        b.Property(c => c.ClientId).HasColumnName("client_id").HasMaxLength(128);
        b.Property(c => c.Id).HasColumnName("id").ValueGeneratedNever();
        b.Property(c => c.Audience).HasColumnName("audience").HasMaxLength(64);
        b.Property(c => c.Email).HasColumnName("email").HasMaxLength(254);
        b.Property(c => c.NormalizedEmail).HasColumnName("normalized_email").HasMaxLength(254);
        b.Property(c => c.Name).HasColumnName("name").HasMaxLength(500);
        b.Property(c => c.CreatedAt).HasColumnName("created_at");
        b.Property(c => c.UpdatedAt).HasColumnName("updated_at");
        b.HasIndex(c => new { c.ClientId, c.Audience, c.NormalizedEmail })
            .IsUnique()
            .HasFilter("normalized_email IS NOT NULL")
            .HasDatabaseName("ux_mailing_contacts_email");

        // Contacts (issue 3): nullable or defaulted columns only, see ContactEntity.
        b.Property(c => c.Phone).HasColumnName("phone").HasMaxLength(16);
        b.Property(c => c.TimeZone).HasColumnName("time_zone").HasMaxLength(64);
        b.Property(c => c.Tags).HasColumnName("tags");
        b.Property(c => c.Attributes).HasColumnName("attributes");
        b.Property(c => c.Status).HasColumnName("status").HasMaxLength(16).HasDefaultValue(ContactStatuses.Active);
        b.Property(c => c.ExternalId).HasColumnName("external_id").HasMaxLength(200);
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
        b.Property(t => t.ClientId).HasColumnName("client_id").HasMaxLength(128);
        b.Property(t => t.ContactId).HasColumnName("contact_id");
        b.Property(t => t.Tag).HasColumnName("tag").HasMaxLength(64);
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
        b.Property(l => l.ClientId).HasColumnName("client_id").HasMaxLength(128);
        b.Property(l => l.Id).HasColumnName("id").ValueGeneratedNever();
        b.Property(l => l.Audience).HasColumnName("audience").HasMaxLength(64);
        b.Property(l => l.Key).HasColumnName("key").HasMaxLength(200);
        b.Property(l => l.Type).HasColumnName("type").HasMaxLength(100);
        b.Property(l => l.Name).HasColumnName("name").HasMaxLength(500);
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
        b.Property(m => m.ClientId).HasColumnName("client_id").HasMaxLength(128);
        b.Property(m => m.Id).HasColumnName("id").ValueGeneratedNever();
        b.Property(m => m.ListId).HasColumnName("list_id");
        b.Property(m => m.ContactId).HasColumnName("contact_id");
        b.Property(m => m.EmailSnapshot).HasColumnName("email_snapshot").HasMaxLength(254);
        b.Property(m => m.SourceObjectKey).HasColumnName("source_object_key").HasMaxLength(256);
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
