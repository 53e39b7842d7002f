using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Mailing.Store.EfCore.Suppressions;

/// <summary>A suppression (<c>mailing_suppressions</c>). Scope, stream and reason are stored as their JSON names; <c>stream</c> is <c>*</c> for every stream.</summary>
internal sealed class SuppressionEntity
{
    public const string AllStreams = "*";

    public required string ClientId { get; set; }
    public Guid Id { get; set; }

    /// <summary>Lower-case address, or lower-case domain for the domain scope.</summary>
    public required string Address { get; set; }

    public required string Scope { get; set; }
    public required string Stream { get; set; }
    public required string Reason { get; set; }
    public string? Source { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class SuppressionConfiguration : IEntityTypeConfiguration<SuppressionEntity>
{
    public void Configure(EntityTypeBuilder<SuppressionEntity> b)
    {
        b.ToTable("mailing_suppressions");
        b.HasKey(s => new { s.ClientId, s.Id });
        b.Property(s => s.ClientId).HasColumnName("client_id").HasMaxLength(MailingLimits.MaxClientIdLength);
        b.Property(s => s.Id).HasColumnName("id").ValueGeneratedNever();
        b.Property(s => s.Address).HasColumnName("address").HasMaxLength(MailingLimits.MaxEmailLength);
        b.Property(s => s.Scope).HasColumnName("scope").HasMaxLength(16);
        b.Property(s => s.Stream).HasColumnName("stream").HasMaxLength(16);
        b.Property(s => s.Reason).HasColumnName("reason").HasMaxLength(32);
        b.Property(s => s.Source).HasColumnName("source").HasMaxLength(64);
        b.Property(s => s.ExpiresAt).HasColumnName("expires_at");
        b.Property(s => s.CreatedAt).HasColumnName("created_at");
        b.Property(s => s.UpdatedAt).HasColumnName("updated_at");

        // One rule per (address, scope, stream); the dispatcher's batch lookup seeks by address.
        b.HasIndex(s => new { s.ClientId, s.Address, s.Scope, s.Stream }).IsUnique().HasDatabaseName("ux_mailing_suppressions_address");
    }
}
