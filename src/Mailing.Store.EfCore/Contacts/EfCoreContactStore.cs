using System.Text.Json;
using Mailing.Store.EfCore.Dialects;
using Mailing.Store.EfCore.Dialects.Sqlite;
using Mailing.Store.EfCore.Entities;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;

namespace Mailing.Store.EfCore.Contacts;

/// <summary>
/// The EF Core contact store. Lifetime: scoped, sharing the scope's <typeparamref name="TContext"/>.
/// Uniqueness of email, phone and external id is checked first (to name the field in the 409) and
/// enforced by unique indexes (a concurrent writer that wins the race still gets a 409).
/// </summary>
internal sealed class EfCoreContactStore<TContext>(TContext db, TimeProvider time, SqliteWriteGate writeGate) : IContactStore
    where TContext : DbContext
{
    private DbSet<ContactEntity> Contacts => db.Set<ContactEntity>();

    public Task<Contact> CreateAsync(MailingScope scope, ContactWrite contact, CancellationToken cancellationToken) =>
        writeGate.WriteAsync(db, ct => CreateNowAsync(scope, contact, ct), cancellationToken);

    public Task<Contact?> UpdateAsync(MailingScope scope, Guid id, ContactWrite contact, CancellationToken cancellationToken) =>
        writeGate.WriteAsync(db, ct => UpdateNowAsync(scope, id, contact, ct), cancellationToken);

    public Task<bool> DeleteAsync(MailingScope scope, Guid id, CancellationToken cancellationToken) =>
        writeGate.WriteAsync(db, ct => DeleteNowAsync(scope, id, ct), cancellationToken);

    private async Task<Contact> CreateNowAsync(MailingScope scope, ContactWrite contact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var now = StoreClock.Now(time);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await EnsureUniqueAsync(scope, null, contact, cancellationToken).ConfigureAwait(false);
        var row = new ContactEntity { ClientId = scope.ClientId, Id = Guid.CreateVersion7(now), Audience = scope.Audience, CreatedAt = now };
        Apply(row, contact, now);
        Contacts.Add(row);
        AddTags(row, contact.Tags);
        await SaveAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return row.ToModel();
    }

    public async Task<Contact?> FindAsync(MailingScope scope, Guid id, CancellationToken cancellationToken)
    {
        var row = await ContactQueries.Live(db, scope.ClientId, scope.Audience).SingleOrDefaultAsync(c => c.Id == id, cancellationToken).ConfigureAwait(false);
        return row?.ToModel();
    }

    private async Task<Contact?> UpdateNowAsync(MailingScope scope, Guid id, ContactWrite contact, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contact);
        var now = StoreClock.Now(time);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var row = await FindTrackedAsync(scope, id, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }

        await EnsureUniqueAsync(scope, id, contact, cancellationToken).ConfigureAwait(false);
        Apply(row, contact, now);
        await db.Set<ContactTagEntity>().Where(t => t.ClientId == scope.ClientId && t.ContactId == id)
            .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);
        AddTags(row, contact.Tags);
        await SaveAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return row.ToModel();
    }

    private async Task<bool> DeleteNowAsync(MailingScope scope, Guid id, CancellationToken cancellationToken)
    {
        var now = StoreClock.Now(time);
        var activeIn = db.Set<RecipientListMemberEntity>().Where(m => m.ClientId == scope.ClientId && m.ContactId == id && m.Active);
        var locked = await activeIn.Select(m => m.ListId).Distinct().ToListAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

            // The lock order of the member writers: list rows first (here in id order), then the contact-write
            // lock. Under it no writer is between reading this contact and committing, so the lists holding
            // its active memberships cannot change; when they are not all locked yet, start over with them too.
            foreach (var listId in locked.Order())
            {
                await db.Set<RecipientListEntity>().Where(l => l.ClientId == scope.ClientId && l.Id == listId)
                    .ExecuteUpdateAsync(s => s.SetProperty(l => l.ActiveMemberCount, l => l.ActiveMemberCount), cancellationToken).ConfigureAwait(false);
            }

            await ContactWriteLock.AcquireAsync(db, scope, cancellationToken).ConfigureAwait(false);
            var lists = await activeIn.Select(m => m.ListId).Distinct().ToListAsync(cancellationToken).ConfigureAwait(false);
            if (lists.Except(locked).Any())
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                locked = [.. locked.Union(lists)];
                continue;
            }

            var row = await FindTrackedAsync(scope, id, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return false;
            }

            // The row stays (memberships and past deliveries refer to it); its lookup keys are released so
            // the same address can come back as a new contact.
            row.DeletedAt = now;
            row.UpdatedAt = now;
            row.NormalizedEmail = null;
            row.Phone = null;
            row.ExternalId = null;
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
            db.ChangeTracker.Clear();
            await db.Set<ContactTagEntity>().Where(t => t.ClientId == scope.ClientId && t.ContactId == id)
                .ExecuteDeleteAsync(cancellationToken).ConfigureAwait(false);

            // Each list's counter moves by the memberships actually removed from it.
            foreach (var listId in lists)
            {
                var removed = await activeIn.Where(m => m.ListId == listId).ExecuteUpdateAsync(
                    s => s.SetProperty(m => m.Active, false).SetProperty(m => m.RemovedAt, now).SetProperty(m => m.UpdatedAt, now),
                    cancellationToken).ConfigureAwait(false);
                await db.Set<RecipientListEntity>().Where(l => l.ClientId == scope.ClientId && l.Id == listId).ExecuteUpdateAsync(
                    s => s.SetProperty(l => l.ActiveMemberCount, l => l.ActiveMemberCount - removed).SetProperty(l => l.UpdatedAt, now),
                    cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
    }

    public async Task<IReadOnlyList<Contact>> ListAsync(MailingScope scope, ContactFilter filter, Guid? afterId, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var query = ContactQueries.Live(db, scope.ClientId, scope.Audience)
            .WithAnyTag(db, scope.ClientId, filter.Tags)
            .WithAnyPhonePrefix(filter.PhonePrefixes)
            .Between(afterId, null);
        if (filter.Status is { } status)
        {
            var stored = ContactStatuses.ToStored(status);
            query = query.Where(c => c.Status == stored);
        }

        if (filter.Email is { } email)
        {
            query = query.Where(c => c.NormalizedEmail == email);
        }

        var rows = await query.OrderBy(c => c.Id).Take(limit).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToModel())];
    }

    private Task<ContactEntity?> FindTrackedAsync(MailingScope scope, Guid id, CancellationToken cancellationToken) =>
        Contacts.SingleOrDefaultAsync(
            c => c.ClientId == scope.ClientId && c.Audience == scope.Audience && c.Id == id && c.DeletedAt == null, cancellationToken);

    /// <summary>Throws a conflict naming the first field another live contact of the scope already holds.</summary>
    private async Task EnsureUniqueAsync(MailingScope scope, Guid? self, ContactWrite contact, CancellationToken cancellationToken)
    {
        var others = Contacts.AsNoTracking().Where(c => c.ClientId == scope.ClientId && c.Audience == scope.Audience && c.Id != self);
        if (contact.NormalizedEmail is { } email && await others.AnyAsync(c => c.NormalizedEmail == email, cancellationToken).ConfigureAwait(false))
        {
            throw new MailingConflictException("Email", $"Another contact already has the email address '{contact.Email}'.");
        }

        if (contact.Phone is { } phone && await others.AnyAsync(c => c.Phone == phone, cancellationToken).ConfigureAwait(false))
        {
            throw new MailingConflictException("Phone", $"Another contact already has the phone number '{phone}'.");
        }

        if (contact.ExternalId is { } externalId && await others.AnyAsync(c => c.ExternalId == externalId, cancellationToken).ConfigureAwait(false))
        {
            throw new MailingConflictException("ExternalId", $"Another contact already has the external id '{externalId}'.");
        }
    }

    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbUpdateException ex) when (DbErrors.IsUniqueViolation(ex))
        {
            throw new MailingConflictException(null, "Another contact with the same email, phone or external id was saved at the same time.");
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }

    private static void Apply(ContactEntity row, ContactWrite contact, DateTimeOffset now)
    {
        row.Email = contact.Email;
        row.NormalizedEmail = contact.NormalizedEmail;
        row.Phone = contact.Phone;
        row.Name = contact.Name;
        row.TimeZone = contact.TimeZone;
        row.Tags = contact.Tags.Count == 0 ? null : JsonSerializer.Serialize(contact.Tags);
        row.Attributes = contact.AttributesJson;
        row.Status = ContactStatuses.ToStored(contact.Status);
        row.ExternalId = contact.ExternalId;
        row.UpdatedAt = now;
    }

    private void AddTags(ContactEntity row, IReadOnlyList<string> tags)
    {
        foreach (var tag in tags)
        {
            db.Add(new ContactTagEntity { ClientId = row.ClientId, ContactId = row.Id, Tag = tag });
        }
    }
}
