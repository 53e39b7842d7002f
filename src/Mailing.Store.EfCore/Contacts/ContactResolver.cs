using Mailing.RecipientLists.StoreKit;
using Mailing.Store.EfCore.Dialects;
using Mailing.Store.EfCore.Entities;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;

namespace Mailing.Store.EfCore.Contacts;

/// <summary>
/// Resolves member items to contacts by normalized email within the scope, creating missing
/// contacts and applying supplied names (not in a dry run, which only reports existing ids).
/// The caller holds the client's <see cref="ContactWriteLock"/> when it writes.
/// </summary>
internal sealed class ContactResolver(DbContext db, MailingScope scope, DateTimeOffset now, bool dryRun)
{
    private const int MaxAttempts = 5;

    /// <summary>Returns normalized email → contact id; a dry run leaves contacts it would create out.</summary>
    public async Task<Dictionary<string, Guid>> ResolveAsync(IReadOnlyList<ValidMember> items, CancellationToken cancellationToken)
    {
        var emails = items.Select(i => i.NormalizedEmail).Distinct(StringComparer.Ordinal).ToList();
        for (var attempt = 1; ; attempt++)
        {
            var query = db.Set<ContactEntity>().Where(c => c.ClientId == scope.ClientId && c.Audience == scope.Audience
                && c.NormalizedEmail != null && emails.Contains(c.NormalizedEmail));
            var existing = await (dryRun ? query.AsNoTracking() : query).ToListAsync(cancellationToken).ConfigureAwait(false);
            var byEmail = existing.ToDictionary(c => c.NormalizedEmail!, StringComparer.Ordinal);
            if (dryRun)
            {
                return byEmail.ToDictionary(e => e.Key, e => e.Value.Id, StringComparer.Ordinal);
            }

            foreach (var item in items)
            {
                if (!byEmail.TryGetValue(item.NormalizedEmail, out var contact))
                {
                    contact = new ContactEntity
                    {
                        ClientId = scope.ClientId,
                        Id = Guid.CreateVersion7(now),
                        Audience = scope.Audience,
                        Email = item.Email,
                        NormalizedEmail = item.NormalizedEmail,
                        Name = item.Name,
                        CreatedAt = now,
                        UpdatedAt = now,
                    };
                    db.Add(contact);
                    byEmail[item.NormalizedEmail] = contact;
                }
                else if (item.Name is not null && contact.Name != item.Name)
                {
                    contact.Name = item.Name;
                    contact.UpdatedAt = now;
                }
            }

            try
            {
                // Under the caller's transaction EF Core saves behind a savepoint: a contact created
                // concurrently by another writer rolls back only this save, and the next attempt finds it.
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                db.ChangeTracker.Clear();
                return byEmail.ToDictionary(e => e.Key, e => e.Value.Id, StringComparer.Ordinal);
            }
            catch (Exception ex) when ((DbErrors.IsUniqueViolation(ex) || DbErrors.IsDeadlock(ex)) && attempt < MaxAttempts)
            {
                db.ChangeTracker.Clear();
            }
        }
    }
}
