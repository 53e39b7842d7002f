using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Mailing.Store.EfCore.Entities;

/// <summary>
/// One daily report (<c>mailing_daily_reports</c>): claimed by the replica that sends it, then marked sent. The primary
/// key (client, day) is what makes a report go out once: a second replica's insert fails.
/// </summary>
internal sealed class DailyReportEntity
{
    /// <summary>The client whose report it is, or <c>*</c> for a report over every client.</summary>
    public required string ClientId { get; set; }

    /// <summary>The reported day, in the report's time zone.</summary>
    public DateOnly Day { get; set; }

    /// <summary>The current claim; a claim older than the lease without <see cref="SentAt"/> may be taken over.</summary>
    public Guid ClaimToken { get; set; }

    public DateTimeOffset ClaimedAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }
}

internal sealed class DailyReportConfiguration : IEntityTypeConfiguration<DailyReportEntity>
{
    public void Configure(EntityTypeBuilder<DailyReportEntity> b)
    {
        b.ToTable("mailing_daily_reports");
        b.HasKey(r => new { r.ClientId, r.Day });
        b.Property(r => r.ClientId).HasColumnName("client_id").HasMaxLength(MailingLimits.MaxClientIdLength);
        b.Property(r => r.Day).HasColumnName("day");
        b.Property(r => r.ClaimToken).HasColumnName("claim_token");
        b.Property(r => r.ClaimedAt).HasColumnName("claimed_at");
        b.Property(r => r.SentAt).HasColumnName("sent_at");
    }
}
