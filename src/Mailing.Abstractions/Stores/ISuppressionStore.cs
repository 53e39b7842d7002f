namespace Mailing.Stores;

/// <summary>
/// Persists suppressions, one per (client, address, scope, stream), and answers the dispatcher's batch question
/// "which of these addresses may not receive this stream now". Every call is scoped by client.
/// Implementations are scoped services.
/// </summary>
public interface ISuppressionStore
{
    /// <summary>
    /// Stores each suppression, replacing reason, source and expiry of one with the same address, scope and stream;
    /// all-stream suppressions of an address also mark the client's contacts with that email suppressed (so audience
    /// counts agree with dispatch). Returns the stored rows.
    /// </summary>
    Task<IReadOnlyList<Suppression>> UpsertAsync(IReadOnlyList<Suppression> suppressions, CancellationToken cancellationToken);

    /// <summary>The suppressions stored under <paramref name="address"/> (an address or a domain), expired ones included.</summary>
    Task<IReadOnlyList<Suppression>> FindAsync(string clientId, string address, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="take"/> suppressions in creation (id) order, after <paramref name="after"/> when given.</summary>
    Task<IReadOnlyList<Suppression>> ListAsync(string clientId, Guid? after, int take, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the suppressions stored under <paramref name="address"/>: every one, or only those of
    /// <paramref name="scope"/> and (for <see cref="SuppressionScope.AddressStream"/>) <paramref name="stream"/> when
    /// given. Contacts a deleted rule had marked suppressed become active again when nothing else suppresses them.
    /// How many were deleted.
    /// </summary>
    Task<int> DeleteAsync(
        string clientId, string address, SuppressionScope? scope, MessageStream? stream, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Of <paramref name="addresses"/> (lower-case emails), those that may not receive <paramref name="stream"/> at
    /// <paramref name="now"/>, each with the reason that applies.
    /// </summary>
    Task<IReadOnlyDictionary<string, SuppressionReason>> FindSuppressedAsync(
        string clientId, IReadOnlyCollection<string> addresses, MessageStream stream, DateTimeOffset now, CancellationToken cancellationToken);
}
