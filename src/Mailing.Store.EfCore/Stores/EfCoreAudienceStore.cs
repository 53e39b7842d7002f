using Mailing.Store.EfCore.Entities;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;

namespace Mailing.Store.EfCore.Stores;

/// <summary>
/// The EF Core audience store. Lifetime: scoped. Every question is one SQL query over
/// <c>mailing_contacts</c>: list membership and tags are <c>EXISTS</c> subqueries (so a contact in two
/// lists counts once), pages seek along <c>(client_id, audience, id)</c> and never use OFFSET.
/// </summary>
internal sealed class EfCoreAudienceStore<TContext>(TContext db, TimeProvider time) : IAudienceStore
    where TContext : DbContext
{
    public async Task<long> CountAsync(string clientId, AudienceSelection selection, CancellationToken cancellationToken)
    {
        var query = await SelectAsync(clientId, selection, maxMembershipId: null, cancellationToken).ConfigureAwait(false);
        return await query.LongCountAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<AudienceCeiling?> CaptureCeilingAsync(string clientId, AudienceSelection selection, CancellationToken cancellationToken)
    {
        // Memberships created after this instant get greater UUIDv7 ids than the bound, so they are left out.
        var maxMembershipId = UuidV7.MaxFor(StoreClock.Now(time));
        var query = await SelectAsync(clientId, selection, maxMembershipId, cancellationToken).ConfigureAwait(false);
        var max = await query.OrderByDescending(c => c.Id).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return max is { } id ? new AudienceCeiling(id, maxMembershipId) : null;
    }

    public async Task<IReadOnlyList<AudienceRecipient>> ReadPageAsync(
        string clientId, AudienceSelection selection, AudienceCeiling ceiling, Guid? afterContactId, int limit, CancellationToken cancellationToken)
    {
        var query = await SelectAsync(clientId, selection, ceiling.MaxMembershipId, cancellationToken).ConfigureAwait(false);
        var rows = await query.Between(afterContactId, ceiling.MaxContactId)
            .OrderBy(c => c.Id)
            .Take(limit)
            .Select(c => new { c.Id, c.Email, c.Phone, c.Name, c.TimeZone, c.Attributes })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => new AudienceRecipient(r.Id, r.Email, r.Phone, r.Name, r.TimeZone, EntityMapping.ParseObject(r.Attributes)))];
    }

    /// <summary>
    /// The selection as a query: live, active contacts of the audience, narrowed to the lists' active
    /// members (memberships up to <paramref name="maxMembershipId"/>) and by each filter.
    /// </summary>
    internal async Task<IQueryable<ContactEntity>> SelectAsync(string clientId, AudienceSelection selection, Guid? maxMembershipId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var audience = selection.Audience ?? MailingScope.DefaultAudience;
        var query = ContactQueries.Live(db, clientId, audience, selection.Attributes)
            .Where(c => c.Status == ContactStatuses.Active);

        if (selection.Lists is { Count: > 0 } keys)
        {
            var listIds = await ResolveListsAsync(clientId, audience, keys, cancellationToken).ConfigureAwait(false);
            var members = db.Set<RecipientListMemberEntity>().Where(m => m.ClientId == clientId && m.Active);
            if (maxMembershipId is { } bound)
            {
                members = members.Where(m => m.Id.CompareTo(bound) <= 0);
            }

            if (listIds.Count == 1)
            {
                var listId = listIds[0];
                members = members.Where(m => m.ListId == listId);
            }
            else
            {
                members = members.Where(m => listIds.Contains(m.ListId));
            }

            query = query.Where(c => members.Any(m => m.ContactId == c.Id));
        }

        return query
            .WithAnyTag(db, clientId, selection.Tags?.Select(t => t!).ToList())
            .WithAnyPhonePrefix(selection.PhonePrefixes?.Select(p => p!).ToList());
    }

    private async Task<List<Guid>> ResolveListsAsync(string clientId, string audience, IReadOnlyList<string?> keys, CancellationToken cancellationToken)
    {
        var wanted = keys.Select(k => k!).ToList();
        var found = await db.Set<RecipientListEntity>().AsNoTracking()
            .Where(l => l.ClientId == clientId && l.Audience == audience && wanted.Contains(l.Key))
            .Select(l => new { l.Key, l.Id })
            .ToDictionaryAsync(l => l.Key, l => l.Id, StringComparer.Ordinal, cancellationToken).ConfigureAwait(false);
        var missing = wanted.Select((key, index) => (key, index)).Where(k => !found.ContainsKey(k.key)).ToList();
        if (missing.Count > 0)
        {
            throw new MailingValidationException(missing.ToDictionary(
                m => $"Lists[{m.index}]", m => new[] { $"Recipient list '{m.key}' does not exist in audience '{audience}'." }, StringComparer.Ordinal));
        }

        return [.. found.Values.Distinct()];
    }
}

/// <summary>UUIDv7 bounds.</summary>
internal static class UuidV7
{
    /// <summary>The greatest UUIDv7 of the millisecond of <paramref name="at"/>: every id made in that millisecond or earlier is not greater.</summary>
    public static Guid MaxFor(DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        bytes.Fill(0xFF);
        var ms = at.ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(ms >> (8 * (5 - i)));
        }

        bytes[6] = 0x7F; // version 7, then the largest rand_a
        bytes[8] = 0xBF; // variant 10, then the largest rand_b
        return new Guid(bytes, bigEndian: true);
    }
}
