using Mailing.Store.EfCore.Entities;

namespace Microsoft.EntityFrameworkCore;

/// <summary>Adds Mailing's tables to any <see cref="DbContext"/> model.</summary>
public static class MailingModelBuilderExtensions
{
    /// <summary>
    /// Maps Mailing's tables (<c>mailing_contacts</c>, <c>mailing_contact_tags</c>, <c>mailing_recipient_lists</c>,
    /// <c>mailing_recipient_list_members</c>, <c>mailing_campaigns</c>, <c>mailing_deliveries</c>, <c>mailing_delivery_events</c>, <c>mailing_suppressions</c>,
    /// <c>mailing_daily_reports</c>) into this model.
    /// </summary>
    public static ModelBuilder UseMailing(this ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.ApplyConfiguration(new ContactConfiguration());
        modelBuilder.ApplyConfiguration(new ContactTagConfiguration());
        modelBuilder.ApplyConfiguration(new RecipientListConfiguration());
        modelBuilder.ApplyConfiguration(new RecipientListMemberConfiguration());
        modelBuilder.ApplyConfiguration(new CampaignConfiguration());
        modelBuilder.ApplyConfiguration(new DeliveryConfiguration());
        modelBuilder.ApplyConfiguration(new Mailing.Store.EfCore.Events.DeliveryEventLookupConfiguration());
        modelBuilder.ApplyConfiguration(new Mailing.Store.EfCore.Events.DeliveryEventConfiguration());
        modelBuilder.ApplyConfiguration(new Mailing.Store.EfCore.Suppressions.SuppressionConfiguration());
        modelBuilder.ApplyConfiguration(new DailyReportConfiguration());
        return modelBuilder;
    }
}
