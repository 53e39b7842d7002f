using System.Linq.Expressions;
using Mailing.Store.EfCore.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

// Guid.CompareTo in these queries is translated to SQL "a > b": both providers order UUIDs the way
// they are written (SQLite stores them as upper-case text, PostgreSQL as uuid), which for UUIDv7 is
// creation order, consistently with ORDER BY id.
namespace Mailing.Store.EfCore.Contacts;

/// <summary>The contact predicates shared by the contact listing and the audience store, all evaluated in SQL.</summary>
internal static class ContactQueries
{
    /// <summary>
    /// The live (not deleted) contacts of a client's audience. Attribute-equality filters need JSON
    /// functions, which differ by provider, so they come from a provider-specific SQL source that the
    /// rest of the query composes over.
    /// </summary>
    public static IQueryable<ContactEntity> Live(DbContext db, string clientId, string audience, IReadOnlyDictionary<string, string>? attributes = null)
    {
        var source = attributes is { Count: > 0 } ? WithAttributes(db, clientId, attributes) : db.Set<ContactEntity>();
        return source.AsNoTracking().Where(c => c.ClientId == clientId && c.Audience == audience && c.DeletedAt == null);
    }

    /// <summary>Contacts having any of <paramref name="tags"/>.</summary>
    public static IQueryable<ContactEntity> WithAnyTag(this IQueryable<ContactEntity> query, DbContext db, string clientId, IReadOnlyList<string>? tags)
    {
        if (tags is not { Count: > 0 })
        {
            return query;
        }

        var rows = db.Set<ContactTagEntity>();
        if (tags.Count == 1)
        {
            var tag = tags[0];
            return query.Where(c => rows.Any(t => t.ClientId == clientId && t.ContactId == c.Id && t.Tag == tag));
        }

        var list = tags.ToList();
        return query.Where(c => rows.Any(t => t.ClientId == clientId && t.ContactId == c.Id && list.Contains(t.Tag)));
    }

    /// <summary>Contacts whose E.164 phone starts with any of <paramref name="prefixes"/> (each <c>+digits</c>).</summary>
    public static IQueryable<ContactEntity> WithAnyPhonePrefix(this IQueryable<ContactEntity> query, IReadOnlyList<string>? prefixes)
    {
        if (prefixes is not { Count: > 0 })
        {
            return query;
        }

        // One OR of StartsWith per prefix: prefixes hold only '+' and digits, so no LIKE escaping is involved.
        var contact = Expression.Parameter(typeof(ContactEntity), "c");
        var phone = Expression.Property(contact, nameof(ContactEntity.Phone));
        var startsWith = typeof(string).GetMethod(nameof(string.StartsWith), [typeof(string)])!;
        Expression? any = null;
        foreach (var prefix in prefixes)
        {
            Expression<Func<string>> value = () => prefix;
            var test = Expression.AndAlso(
                Expression.NotEqual(phone, Expression.Constant(null, typeof(string))),
                Expression.Call(phone, startsWith, value.Body));
            any = any is null ? test : Expression.OrElse(any, test);
        }

        return query.Where(Expression.Lambda<Func<ContactEntity, bool>>(any!, contact));
    }

    /// <summary>Contacts with ids in (<paramref name="after"/>, <paramref name="upTo"/>].</summary>
    public static IQueryable<ContactEntity> Between(this IQueryable<ContactEntity> query, Guid? after, Guid? upTo)
    {
        if (after is { } lower)
        {
            query = query.Where(c => c.Id.CompareTo(lower) > 0);
        }

        if (upTo is { } upper)
        {
            query = query.Where(c => c.Id.CompareTo(upper) <= 0);
        }

        return query;
    }

    private static IQueryable<ContactEntity> WithAttributes(DbContext db, string clientId, IReadOnlyDictionary<string, string> attributes)
    {
        var entityType = db.Model.FindEntityType(typeof(ContactEntity))!;
        var sql = db.GetService<ISqlGenerationHelper>();
        var table = sql.DelimitIdentifier(entityType.GetTableName()!, entityType.GetSchema());
        var column = sql.DelimitIdentifier("attributes");
        var dialect = Dialects.StoreDialect.For(db);
        var text = new System.Text.StringBuilder($"SELECT * FROM {table} WHERE {sql.DelimitIdentifier("client_id")} = {{0}}");
        var arguments = new List<object> { clientId };
        foreach (var (name, value) in attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            var (condition, nameArgument) = dialect.JsonTextEquals(column, arguments.Count, arguments.Count + 1, name);
            text.Append(" AND ").Append(condition);
            arguments.Add(nameArgument);
            arguments.Add(value);
        }

#pragma warning disable EF1002 // Identifiers come from the model; every value is a parameter.
        return db.Set<ContactEntity>().FromSqlRaw(text.ToString(), [.. arguments]);
#pragma warning restore EF1002
    }
}
