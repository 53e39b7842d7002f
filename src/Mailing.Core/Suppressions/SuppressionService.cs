using System.Text.RegularExpressions;
using Mailing.Stores;
using Mailing.Validation;

namespace Mailing.Suppressions;

/// <summary>Reads and writes a client's suppressions, validating what callers send. Lifetime: scoped.</summary>
public interface ISuppressionService
{
    /// <summary>Creates or replaces the suppression of <paramref name="address"/> (an email address or a domain) described by <paramref name="input"/>.</summary>
    /// <exception cref="MailingValidationException">The address or a field is invalid (nothing is written).</exception>
    Task<Suppression> PutAsync(string clientId, string address, SuppressionInput input, CancellationToken cancellationToken);

    /// <summary>The suppressions stored under the address or domain (empty when none).</summary>
    Task<IReadOnlyList<Suppression>> GetAsync(string clientId, string address, CancellationToken cancellationToken);

    /// <summary>A keyset page of the client's suppressions in creation order.</summary>
    Task<Page<Suppression>> ListAsync(string clientId, string? cursor, int? limit, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the suppressions of the address or domain: every one, or only the rule of <paramref name="scope"/> and
    /// <paramref name="stream"/> when given (a stream alone means the address_stream rule of that stream); whether one was
    /// deleted. Throws <see cref="MailingValidationException"/> for a scope that does not fit the address, or a stream without
    /// the address_stream scope.
    /// </summary>
    Task<bool> DeleteAsync(string clientId, string address, SuppressionScope? scope, MessageStream? stream, CancellationToken cancellationToken);

    /// <summary>
    /// Suppresses <paramref name="recipient"/> for <paramref name="reason"/>: unsubscribes stop operational and bulk mail,
    /// everything else every stream. Idempotent.
    /// </summary>
    Task SuppressAsync(string clientId, string recipient, SuppressionReason reason, string source, CancellationToken cancellationToken);
}

internal sealed partial class SuppressionService(ISuppressionStore store, TimeProvider time) : ISuppressionService
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    public async Task<Suppression> PutAsync(string clientId, string address, SuppressionInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var now = time.GetUtcNow();
        var (normalized, isDomain) = Normalize(address);
        var scope = input.Scope ?? (isDomain ? SuppressionScope.Domain : input.Stream is null ? SuppressionScope.Address : SuppressionScope.AddressStream);
        var errors = CheckScope(isDomain, scope, input.Stream);

        if (input.ExpiresAt is { } expires && expires <= now)
        {
            errors["ExpiresAt"] = ["The expiry must be in the future."];
        }

        if (errors.Count > 0)
        {
            throw new MailingValidationException(errors);
        }

        var stored = await store.UpsertAsync([New(clientId, normalized, scope, input.Stream, input.Reason ?? SuppressionReason.Manual, "api", input.ExpiresAt, now)], cancellationToken)
            .ConfigureAwait(false);
        return stored[0];
    }

    public Task<IReadOnlyList<Suppression>> GetAsync(string clientId, string address, CancellationToken cancellationToken) =>
        store.FindAsync(clientId, Normalize(address).Address, cancellationToken);

    public async Task<Page<Suppression>> ListAsync(string clientId, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        var take = limit ?? DefaultLimit;
        if (take is < 1 or > MaxLimit)
        {
            throw new MailingValidationException("Limit", $"The limit must be between 1 and {MaxLimit}.");
        }

        Guid? after = PageCursor.Decode(cursor) is { } key
            ? Guid.TryParse(key, out var id) ? id : throw new MailingValidationException("Cursor", "The cursor is not one this API returned.")
            : null;
        var rows = await store.ListAsync(clientId, after, take + 1, cancellationToken).ConfigureAwait(false);
        return PageCursor.ToPage(rows, take, s => s.Id.ToString("D"));
    }

    public async Task<bool> DeleteAsync(string clientId, string address, SuppressionScope? scope, MessageStream? stream, CancellationToken cancellationToken)
    {
        var (normalized, isDomain) = Normalize(address);
        if (scope is null && stream is not null)
        {
            if (isDomain)
            {
                throw new MailingValidationException("Stream", "A domain's rule covers every stream; it has no stream rules.");
            }

            scope = SuppressionScope.AddressStream;
        }

        if (scope is { } chosen && CheckScope(isDomain, chosen, stream) is { Count: > 0 } errors)
        {
            throw new MailingValidationException(errors);
        }

        return await store.DeleteAsync(clientId, normalized, scope, stream, time.GetUtcNow(), cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task SuppressAsync(string clientId, string recipient, SuppressionReason reason, string source, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var address = recipient.Trim().ToLowerInvariant();
        Suppression[] rows = reason == SuppressionReason.Unsubscribe
            ?
            [
                New(clientId, address, SuppressionScope.AddressStream, MessageStream.Operational, reason, source, null, now),
                New(clientId, address, SuppressionScope.AddressStream, MessageStream.Bulk, reason, source, null, now),
            ]
            : [New(clientId, address, SuppressionScope.Address, null, reason, source, null, now)];
        await store.UpsertAsync(rows, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Whether <paramref name="scope"/> fits the address (or domain) and <paramref name="stream"/> fits the scope.</summary>
    private static Dictionary<string, string[]> CheckScope(bool isDomain, SuppressionScope scope, MessageStream? stream)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (isDomain != (scope == SuppressionScope.Domain))
        {
            errors["Scope"] = [isDomain ? "A domain can only have the domain scope." : "An email address has the address or address_stream scope."];
        }

        if (scope == SuppressionScope.AddressStream && stream is null)
        {
            errors["Stream"] = ["The address_stream scope needs a stream."];
        }
        else if (scope != SuppressionScope.AddressStream && stream is not null)
        {
            errors["Stream"] = ["Only the address_stream scope takes a stream."];
        }

        return errors;
    }

    private static Suppression New(
        string clientId, string address, SuppressionScope scope, MessageStream? stream, SuppressionReason reason, string source, DateTimeOffset? expires, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        ClientId = clientId,
        Address = address,
        Scope = scope,
        Stream = stream,
        Reason = reason,
        Source = source,
        ExpiresAt = expires,
        CreatedAt = now,
        UpdatedAt = now,
    };

    /// <summary>The lower-case address or domain, and which it is.</summary>
    internal static (string Address, bool IsDomain) Normalize(string? value)
    {
        var text = (value ?? string.Empty).Trim().ToLowerInvariant();
        if (text.Length is 0 or > MailingLimits.MaxEmailLength)
        {
            throw new MailingValidationException("Address", $"An email address or a domain (at most {MailingLimits.MaxEmailLength} characters) is required.");
        }

        var at = text.LastIndexOf('@');
        var domain = at < 0 ? text : text[(at + 1)..];
        if (!DomainPattern().IsMatch(domain) || (at >= 0 && (at == 0 || text[..at].Any(c => char.IsWhiteSpace(c) || c == '@'))))
        {
            throw new MailingValidationException("Address", $"'{value}' is neither an email address nor a domain.");
        }

        return (text, at < 0);
    }

    [GeneratedRegex(@"^(?=.{1,253}$)([a-z0-9\p{L}]([a-z0-9\p{L}-]{0,61}[a-z0-9\p{L}])?\.)+[a-z\p{L}][a-z0-9\p{L}-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex DomainPattern();
}
