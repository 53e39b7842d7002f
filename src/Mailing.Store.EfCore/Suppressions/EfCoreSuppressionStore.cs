using Mailing.Store.EfCore.Campaigns;
using Mailing.Store.EfCore.Dialects;
using Mailing.Store.EfCore.Entities;
using Mailing.Stores;
using Microsoft.EntityFrameworkCore;

namespace Mailing.Store.EfCore.Suppressions;

/// <summary>
/// The EF Core suppression store. Lifetime: scoped, sharing the scope's <typeparamref name="TContext"/>. Expiry is
/// judged in memory on the few rows of the addresses asked about (SQLite cannot compare stored offsets).
/// </summary>
internal sealed class EfCoreSuppressionStore<TContext>(TContext db) : ISuppressionStore
    where TContext : DbContext
{
    private DbSet<SuppressionEntity> Suppressions => db.Set<SuppressionEntity>();

    public async Task<IReadOnlyList<Suppression>> UpsertAsync(IReadOnlyList<Suppression> suppressions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(suppressions);
        var stored = new List<Suppression>(suppressions.Count);
        foreach (var suppression in suppressions)
        {
            stored.Add(await UpsertOneAsync(suppression, cancellationToken).ConfigureAwait(false));
            if (suppression is { Scope: not SuppressionScope.AddressStream, ExpiresAt: null })
            {
                await MarkContactsAsync(suppression, cancellationToken).ConfigureAwait(false);
            }
        }

        return stored;
    }

    public async Task<IReadOnlyList<Suppression>> FindAsync(string clientId, string address, CancellationToken cancellationToken)
    {
        var rows = await Suppressions.AsNoTracking().Where(s => s.ClientId == clientId && s.Address == address)
            .OrderBy(s => s.Id).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(ToModel)];
    }

    public async Task<IReadOnlyList<Suppression>> ListAsync(string clientId, Guid? after, int take, CancellationToken cancellationToken)
    {
        var query = Suppressions.AsNoTracking().Where(s => s.ClientId == clientId);
        if (after is { } lower)
        {
            query = query.Where(s => s.Id.CompareTo(lower) > 0);
        }

        var rows = await query.OrderBy(s => s.Id).Take(take).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(ToModel)];
    }

    public async Task<int> DeleteAsync(
        string clientId, string address, SuppressionScope? scope, MessageStream? stream, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rules = Suppressions.Where(s => s.ClientId == clientId && s.Address == address);
        if (scope is { } onlyScope)
        {
            var storedScope = StoredEnum<SuppressionScope>.Name(onlyScope);
            rules = rules.Where(s => s.Scope == storedScope);
        }

        if (stream is { } onlyStream)
        {
            var storedStream = StoredEnum<MessageStream>.Name(onlyStream);
            rules = rules.Where(s => s.Stream == storedStream);
        }

        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct).ConfigureAwait(false);

            // Only rules of every stream without an expiry mark contacts (see UpsertAsync), so only their removal releases any.
            var addressStream = StoredEnum<SuppressionScope>.Name(SuppressionScope.AddressStream);
            var marked = await rules.AnyAsync(s => s.Scope != addressStream && s.ExpiresAt == null, ct).ConfigureAwait(false);
            var deleted = await rules.ExecuteDeleteAsync(ct).ConfigureAwait(false);
            if (deleted > 0 && marked)
            {
                // Contacts this address (or domain) had suppressed are mailable again, unless a remaining rule still covers them.
                var contacts = db.Set<ContactEntity>().Where(c => c.ClientId == clientId && c.Status == ContactStatuses.Suppressed && c.DeletedAt == null);
                contacts = address.Contains('@', StringComparison.Ordinal)
                    ? contacts.Where(c => c.NormalizedEmail == address)
                    : contacts.Where(c => c.NormalizedEmail!.EndsWith("@" + address));
                var candidates = await contacts.Select(c => new { c.Id, c.NormalizedEmail }).ToListAsync(ct).ConfigureAwait(false);
                var stillSuppressed = await FindSuppressedAsync(
                    clientId, [.. candidates.Select(c => c.NormalizedEmail!).Distinct()], MessageStream.Transactional, now, ct).ConfigureAwait(false);
                var release = candidates.Where(c => !stillSuppressed.ContainsKey(c.NormalizedEmail!)).Select(c => c.Id).ToList();
                if (release.Count > 0)
                {
                    await db.Set<ContactEntity>().Where(c => c.ClientId == clientId && release.Contains(c.Id))
                        .ExecuteUpdateAsync(u => u.SetProperty(c => c.Status, ContactStatuses.Active).SetProperty(c => c.UpdatedAt, now), ct)
                        .ConfigureAwait(false);
                }
            }

            await transaction.CommitAsync(ct).ConfigureAwait(false);
            return deleted;
        }, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<string, SuppressionReason>> FindSuppressedAsync(
        string clientId, IReadOnlyCollection<string> addresses, MessageStream stream, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var found = new Dictionary<string, SuppressionReason>(StringComparer.Ordinal);
        if (addresses.Count == 0)
        {
            return found;
        }

        var streamName = StoredEnum<MessageStream>.Name(stream);
        var domainScope = StoredEnum<SuppressionScope>.Name(SuppressionScope.Domain);
        var domains = addresses.Select(Domain).Where(d => d.Length > 0).Distinct().ToList();
        var keys = addresses.Concat(domains).Distinct().ToList();
        var rows = await Suppressions.AsNoTracking()
            .Where(s => s.ClientId == clientId && keys.Contains(s.Address) && (s.Stream == SuppressionEntity.AllStreams || s.Stream == streamName))
            .Select(s => new { s.Address, s.Scope, s.Reason, s.ExpiresAt })
            .ToListAsync(cancellationToken).ConfigureAwait(false);
        var live = rows.Where(r => r.ExpiresAt is not { } expires || expires > now).ToList();
        var byAddress = live.Where(r => r.Scope != domainScope).ToLookup(r => r.Address, StringComparer.Ordinal);
        var byDomain = live.Where(r => r.Scope == domainScope).ToLookup(r => r.Address, StringComparer.Ordinal);
        foreach (var address in addresses)
        {
            var rule = byAddress[address].FirstOrDefault() ?? byDomain[Domain(address)].FirstOrDefault();
            if (rule is not null)
            {
                found[address] = StoredEnum<SuppressionReason>.Parse(rule.Reason);
            }
        }

        return found;
    }

    private async Task<Suppression> UpsertOneAsync(Suppression suppression, CancellationToken cancellationToken)
    {
        var scope = StoredEnum<SuppressionScope>.Name(suppression.Scope);
        var stream = suppression.Stream is { } s ? StoredEnum<MessageStream>.Name(s) : SuppressionEntity.AllStreams;
        for (var attempt = 0; ; attempt++)
        {
            var existing = await Suppressions.SingleOrDefaultAsync(
                r => r.ClientId == suppression.ClientId && r.Address == suppression.Address && r.Scope == scope && r.Stream == stream,
                cancellationToken).ConfigureAwait(false);
            if (existing is null)
            {
                existing = new SuppressionEntity
                {
                    ClientId = suppression.ClientId,
                    Id = suppression.Id,
                    Address = suppression.Address,
                    Scope = scope,
                    Stream = stream,
                    Reason = StoredEnum<SuppressionReason>.Name(suppression.Reason),
                    CreatedAt = suppression.CreatedAt,
                };
                Suppressions.Add(existing);
            }

            existing.Reason = StoredEnum<SuppressionReason>.Name(suppression.Reason);
            existing.Source = suppression.Source;
            existing.ExpiresAt = suppression.ExpiresAt;
            existing.UpdatedAt = suppression.UpdatedAt;
            try
            {
                await db.SaveChangesAsync(cancellationToken).ConfigureAwait(false);
                db.ChangeTracker.Clear();
                return ToModel(existing);
            }
            catch (DbUpdateException e) when (DbErrors.IsUniqueViolation(e) && attempt < 3)
            {
                db.ChangeTracker.Clear(); // another writer made the row first: update it instead
            }
        }
    }

    private async Task MarkContactsAsync(Suppression suppression, CancellationToken cancellationToken)
    {
        var contacts = db.Set<ContactEntity>().Where(c => c.ClientId == suppression.ClientId && c.Status == ContactStatuses.Active && c.DeletedAt == null);
        contacts = suppression.Scope == SuppressionScope.Domain
            ? contacts.Where(c => c.NormalizedEmail!.EndsWith("@" + suppression.Address))
            : contacts.Where(c => c.NormalizedEmail == suppression.Address);
        await contacts.ExecuteUpdateAsync(
            u => u.SetProperty(c => c.Status, ContactStatuses.Suppressed).SetProperty(c => c.UpdatedAt, suppression.UpdatedAt), cancellationToken)
            .ConfigureAwait(false);
    }

    private static string Domain(string address) => address.LastIndexOf('@') is var at and >= 0 ? address[(at + 1)..] : string.Empty;

    private static Suppression ToModel(SuppressionEntity e) => new()
    {
        Id = e.Id,
        ClientId = e.ClientId,
        Address = e.Address,
        Scope = StoredEnum<SuppressionScope>.Parse(e.Scope),
        Stream = e.Stream == SuppressionEntity.AllStreams ? null : StoredEnum<MessageStream>.Parse(e.Stream),
        Reason = StoredEnum<SuppressionReason>.Parse(e.Reason),
        Source = e.Source,
        ExpiresAt = e.ExpiresAt,
        CreatedAt = e.CreatedAt,
        UpdatedAt = e.UpdatedAt,
    };
}
