using System.Runtime.CompilerServices;
using System.Text;
using Mailing.Store.EfCore.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Mailing.Store.EfCore.Dialects;

/// <summary>
/// The names of Mailing's tables as the context's model maps them, schema-qualified and quoted, for the
/// statements the store writes by hand. A host may move the tables into its own schema
/// (<c>HasDefaultSchema("crm")</c>) or rename them; the columns keep Mailing's names (the snake_case of each
/// property), which is checked once per model so a renamed column fails with a clear message, not a SQL error.
/// </summary>
internal sealed class StoreTables
{
    private static readonly ConditionalWeakTable<IModel, StoreTables> Cache = [];

    private StoreTables(IModel model, ISqlGenerationHelper sql)
    {
        Contacts = Name<ContactEntity>(model, sql);
        ContactTags = Name<ContactTagEntity>(model, sql);
        Lists = Name<RecipientListEntity>(model, sql);
        Members = Name<RecipientListMemberEntity>(model, sql);
        Campaigns = Name<CampaignEntity>(model, sql);
        Deliveries = Name<DeliveryEntity>(model, sql);
        DeliveryEvents = Name<Events.DeliveryEventEntity>(model, sql);
    }

    /// <summary>The campaigns table.</summary>
    public string Campaigns { get; }

    /// <summary>The deliveries table.</summary>
    public string Deliveries { get; }

    /// <summary>The delivery events table.</summary>
    public string DeliveryEvents { get; }

    /// <summary>The contacts table.</summary>
    public string Contacts { get; }

    /// <summary>The contact tags table.</summary>
    public string ContactTags { get; }

    /// <summary>The recipient lists table.</summary>
    public string Lists { get; }

    /// <summary>The list members table.</summary>
    public string Members { get; }

    /// <summary>The names for <paramref name="db"/>'s model (computed once per model).</summary>
    public static StoreTables Of(DbContext db) =>
        Cache.GetValue(db.Model, model => new StoreTables(model, db.GetService<ISqlGenerationHelper>()));

    private static string Name<TEntity>(IModel model, ISqlGenerationHelper sql)
    {
        var entity = model.FindEntityType(typeof(TEntity)) ?? throw new InvalidOperationException(
            $"The context's model has no {typeof(TEntity).Name}: call modelBuilder.UseMailing() in its OnModelCreating.");
        var table = entity.GetTableName()!;
        var identifier = StoreObjectIdentifier.Table(table, entity.GetSchema());
        foreach (var property in entity.GetProperties())
        {
            var expected = SnakeCase(property.Name);
            var actual = property.GetColumnName(identifier);
            if (!string.Equals(actual, expected, StringComparison.Ordinal))
            {
                throw new NotSupportedException(
                    $"Mailing's statements name the columns of {table} as Mailing maps them, but {property.Name} is mapped to " +
                    $"column '{actual}' instead of '{expected}'. Tables may be renamed or moved to another schema; columns keep their names.");
            }
        }

        return sql.DelimitIdentifier(table, entity.GetSchema());
    }

    private static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 8);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && text.Length > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }
}
