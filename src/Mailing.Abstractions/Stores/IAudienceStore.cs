namespace Mailing.Stores;

/// <summary>
/// Evaluates audience selections in the database: counts, ceilings and keyset pages ordered by
/// contact id. The Core service validates and normalizes the selection first (audience set, lists
/// distinct, phone prefixes in <c>+digits</c> form). A store never loads a whole audience into memory.
/// </summary>
public interface IAudienceStore
{
    /// <summary>Counts the distinct contacts the selection reaches, in one database query.</summary>
    /// <exception cref="MailingValidationException">A list of the selection does not exist (the field <c>Lists[i]</c> is named).</exception>
    Task<long> CountAsync(string clientId, AudienceSelection selection, CancellationToken cancellationToken);

    /// <summary>Takes the run's ceiling: the greatest contact id the selection reaches now, or <see langword="null"/> when it reaches none.</summary>
    /// <exception cref="MailingValidationException">A list of the selection does not exist.</exception>
    Task<AudienceCeiling?> CaptureCeilingAsync(string clientId, AudienceSelection selection, CancellationToken cancellationToken);

    /// <summary>
    /// Returns up to <paramref name="limit"/> recipients with ids in (<paramref name="afterContactId"/>,
    /// <paramref name="ceiling"/>], in id order, by a keyset seek (never OFFSET).
    /// </summary>
    Task<IReadOnlyList<AudienceRecipient>> ReadPageAsync(
        string clientId, AudienceSelection selection, AudienceCeiling ceiling, Guid? afterContactId, int limit, CancellationToken cancellationToken);
}
