using Mailing.Store.EfCore.Contacts;
using Mailing.Store.EfCore.Entities;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;

namespace Mailing.Store.EfCore.Audiences;

/// <summary>
/// The EF Core audience store. Lifetime: scoped. Every question is one SQL query over
/// <c>mailing_contacts</c>: list membership and tags are <c>EXISTS</c> subqueries (so a contact in two
/// lists counts once), pages seek along <c>(client_id, audience, id)</c> and never use OFFSET.
/// </summary>
internal sealed class EfCoreAudienceStore<TContext>(TContext db, TimeProvider time) : IAudienceStore
    where TContext : DbContext
{
    private readonly Dictionary<string, List<Guid>> _resolvedLists = new(StringComparer.Ordinal);

    public async Task<long> CountAsync(AudienceQuery query, CancellationToken cancellationToken)
    {
        var contacts = await SelectAsync(query, maxMembershipId: null, cancellationToken).ConfigureAwait(false);
        return await contacts.LongCountAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<AudienceCeiling?> CaptureCeilingAsync(AudienceQuery query, CancellationToken cancellationToken)
    {
        // Memberships created after this instant get greater UUIDv7 ids than the bound, so they are left out.
        var maxMembershipId = UuidV7.MaxFor(StoreClock.Now(time));
        var contacts = await SelectAsync(query, maxMembershipId, cancellationToken).ConfigureAwait(false);
        var max = await contacts.OrderByDescending(c => c.Id).Select(c => (Guid?)c.Id).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        return max is { } id ? new AudienceCeiling(id, maxMembershipId) : null;
    }

    /// <remarks>
    /// Reads window by window, so every query touches about one page of rows whatever join the planner
    /// picks and however far into the audience the run is. A window's candidates are the next
    /// <paramref name="limit"/> contact ids of each driving index (each list's
    /// <c>(client_id, list_id, contact_id)</c> index, or the audience's contacts when there are no lists),
    /// read by an ordered seek with LIMIT and cut at the smallest of their last ids; those contacts are
    /// then looked up by primary key and filtered. With one driving index (no list, or one list) both
    /// take two queries: the window's end (an ordered seek to its last id), then the matches inside its id range.
    /// (One query left-joining the window to the unbounded filtered contacts was planned as a hash over every
    /// match of the audience, 150 ms a page at 50k contacts, so packing grew with the square of the audience.
    /// Bounding the tag subquery to the window's range as well made PostgreSQL scan that range once per contact
    /// instead of probing by key. A single ORDER BY … LIMIT over the whole remaining range let PostgreSQL pick hash
    /// joins or range scans on misestimated statistics: 60–350 ms per page at 100k members.)
    /// </remarks>
    public async Task<IReadOnlyList<AudienceRecipient>> ReadPageAsync(
        AudienceQuery query, AudienceCeiling ceiling, Guid? afterContactId, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var listIds = await ResolveListsAsync(query, cancellationToken).ConfigureAwait(false);
        var page = new List<AudienceRecipient>(Math.Min(limit, 10_000));
        var after = afterContactId;
        if (listIds is not { Count: > 1 })
        {
            // One driving index: two small queries per window.
            while (true)
            {
                var (end, full) = await ReadDrivenWindowAsync(query, listIds, ceiling, after, limit, page, cancellationToken).ConfigureAwait(false);
                if (!full || page.Count == limit)
                {
                    return page;
                }

                after = end;
            }
        }

        while (page.Count < limit)
        {
            var (candidates, end, exhausted) = await WindowAsync(query.Scope, listIds, ceiling, after, limit, cancellationToken).ConfigureAwait(false);
            if (candidates.Count > 0)
            {
                // The window's id range lets the primary key scan one contiguous range; the candidate list then picks the members.
                var rows = await Select(query, listIds: null, maxMembershipId: null, after, end)
                    .Where(c => candidates.Contains(c.Id))
                    .OrderBy(c => c.Id)
                    .Take(limit - page.Count)
                    .Select(c => new { c.Id, c.Email, c.Phone, c.Name, c.TimeZone, c.Attributes })
                    .ToListAsync(cancellationToken).ConfigureAwait(false);
                page.AddRange(rows.Select(r => new AudienceRecipient(r.Id, r.Email, r.Phone, r.Name, r.TimeZone, EntityMapping.ParseObject(r.Attributes))));
            }

            // A full page returns at once (the caller resumes after its last id); otherwise the whole window
            // was taken and the next one starts after its end.
            if (exhausted)
            {
                break;
            }

            after = end;
        }

        return page;
    }

    /// <summary>
    /// Reads the next window of the single driving index, adding the contacts that pass the filters to
    /// <paramref name="page"/> until it holds <paramref name="size"/>; returns the window's last id and whether
    /// it was full (if not, the index has nothing more up to the ceiling). Windows always span
    /// <paramref name="size"/> ids, so a selective filter costs a few windows a page, not one per match;
    /// matches beyond the page are read again by the next page, which resumes after the page's last id.
    /// </summary>
    private async Task<(Guid End, bool Full)> ReadDrivenWindowAsync(
        AudienceQuery query, IReadOnlyList<Guid>? listIds, AudienceCeiling ceiling,
        Guid? after, int size, List<AudienceRecipient> page, CancellationToken cancellationToken)
    {
        var last = await Drivers(query.Scope, listIds, ceiling, after)[0].OrderBy(id => id).Skip(size - 1)
            .Select(id => (Guid?)id).FirstOrDefaultAsync(cancellationToken).ConfigureAwait(false);
        var end = last ?? ceiling.MaxContactId;
        var rows = await Select(query, listIds, ceiling.MaxMembershipId, after, end)
            .OrderBy(c => c.Id)
            .Take(size - page.Count)
            .Select(c => new { c.Id, c.Email, c.Phone, c.Name, c.TimeZone, c.Attributes })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        page.AddRange(rows.Select(r => new AudienceRecipient(r.Id, r.Email, r.Phone, r.Name, r.TimeZone, EntityMapping.ParseObject(r.Attributes))));
        return last is { } full ? (full, true) : (default, false);
    }

    /// <summary>
    /// The next window after <paramref name="after"/>: the candidate contact ids (sorted, distinct) up to
    /// its end, which is the smallest last id among the driving indexes that had <paramref name="size"/>
    /// ids left, or the ceiling when none had (then the window is the last one).
    /// </summary>
    private async Task<(List<Guid> Candidates, Guid End, bool Exhausted)> WindowAsync(
        MailingScope scope, IReadOnlyList<Guid>? listIds, AudienceCeiling ceiling, Guid? after, int size, CancellationToken cancellationToken)
    {
        var drivers = Drivers(scope, listIds, ceiling, after);
        var end = ceiling.MaxContactId;
        var exhausted = true;
        var found = new List<Guid>();
        foreach (var ids in drivers)
        {
            // The size-th next id without OFFSET: the last of the first `size` ids of an ordered index seek.
            var next = await ids.OrderBy(id => id).Take(size).ToListAsync(cancellationToken).ConfigureAwait(false);
            found.AddRange(next);
            if (next.Count == size)
            {
                exhausted = false;
                if (next[^1].CompareTo(end) < 0)
                {
                    end = next[^1];
                }
            }
        }

        var candidates = found.Where(id => id.CompareTo(end) <= 0).Distinct().Order().ToList();
        return (candidates, end, exhausted && end == ceiling.MaxContactId);
    }

    /// <summary>
    /// The driving indexes' contact ids after <paramref name="after"/> up to the ceiling: each list's active
    /// members up to the membership ceiling, or the audience's live contacts when there are no lists.
    /// </summary>
    private List<IQueryable<Guid>> Drivers(MailingScope scope, IReadOnlyList<Guid>? listIds, AudienceCeiling ceiling, Guid? after)
    {
        if (listIds is null)
        {
            return [ContactQueries.Live(db, scope.ClientId, scope.Audience).Between(after, ceiling.MaxContactId).Select(c => c.Id)];
        }

        var drivers = new List<IQueryable<Guid>>(listIds.Count);
        var upper = ceiling.MaxContactId;
        foreach (var listId in listIds)
        {
            var members = Memberships(scope.ClientId, [listId], ceiling.MaxMembershipId);
            if (after is { } lower)
            {
                members = members.Where(m => m.ContactId.CompareTo(lower) > 0);
            }

            drivers.Add(members.Where(m => m.ContactId.CompareTo(upper) <= 0).Select(m => m.ContactId));
        }

        return drivers;
    }

    /// <summary>
    /// The selection as a query: live, active contacts of the audience, narrowed to the lists' active
    /// members (memberships up to <paramref name="maxMembershipId"/>) and by each filter.
    /// </summary>
    internal async Task<IQueryable<ContactEntity>> SelectAsync(AudienceQuery query, Guid? maxMembershipId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var listIds = await ResolveListsAsync(query, cancellationToken).ConfigureAwait(false);
        return Select(query, listIds, maxMembershipId);
    }

    /// <summary>The selection as a query; without <paramref name="listIds"/> list membership is not checked (the caller did).</summary>
    /// <remarks>With <paramref name="after"/> / <paramref name="upTo"/> only the contacts in that id range.</remarks>
    private IQueryable<ContactEntity> Select(
        AudienceQuery query, IReadOnlyList<Guid>? listIds, Guid? maxMembershipId, Guid? after = null, Guid? upTo = null)
    {
        var clientId = query.Scope.ClientId;
        var contacts = ContactQueries.Live(db, clientId, query.Scope.Audience, query.Attributes)
            .Where(c => c.Status == ContactStatuses.Active)
            .Between(after, upTo);

        if (listIds is not null)
        {
            var members = Memberships(clientId, listIds, maxMembershipId);
            contacts = contacts.Where(c => members.Any(m => m.ContactId == c.Id));
        }

        return contacts.WithAnyTag(db, clientId, query.Tags).WithAnyPhonePrefix(query.PhonePrefixes);
    }

    /// <summary>Active memberships of the lists, up to <paramref name="maxMembershipId"/>.</summary>
    private IQueryable<RecipientListMemberEntity> Memberships(string clientId, IReadOnlyList<Guid> listIds, Guid? maxMembershipId)
    {
        var members = db.Set<RecipientListMemberEntity>().AsNoTracking().Where(m => m.ClientId == clientId && m.Active);
        if (maxMembershipId is { } bound)
        {
            members = members.Where(m => m.Id.CompareTo(bound) <= 0);
        }

        if (listIds.Count == 1)
        {
            var listId = listIds[0];
            return members.Where(m => m.ListId == listId);
        }

        var ids = listIds.ToList();
        return members.Where(m => ids.Contains(m.ListId));
    }

    /// <summary>The ids of the selection's lists, or <see langword="null"/> when it names none (the whole audience).</summary>
    private async Task<List<Guid>?> ResolveListsAsync(AudienceQuery query, CancellationToken cancellationToken)
    {
        if (query.Lists.Count == 0)
        {
            return null;
        }

        // A run reads many pages through one scoped store: resolve its lists once (list ids never change).
        var cacheKey = $"{query.Scope.ClientId}\n{query.Scope.Audience}\n{string.Join('\n', query.Lists)}";
        if (_resolvedLists.TryGetValue(cacheKey, out var cached))
        {
            return cached;
        }

        var resolved = await LoadListIdsAsync(query.Scope, query.Lists, cancellationToken).ConfigureAwait(false);
        _resolvedLists[cacheKey] = resolved;
        return resolved;
    }

    private async Task<List<Guid>> LoadListIdsAsync(MailingScope scope, IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var (clientId, audience) = (scope.ClientId, scope.Audience);
        var wanted = keys.ToList();
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
