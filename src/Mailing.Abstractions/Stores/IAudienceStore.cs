namespace Mailing.Stores;

/// <summary>
/// Evaluates audience selections in the database: counts, ceilings and keyset pages ordered by contact id.
/// It receives the selection as Core validated it (<see cref="AudienceQuery"/>), with every default applied,
/// and never loads a whole audience into memory.
/// </summary>
public interface IAudienceStore
{
    /// <summary>Counts the distinct contacts the selection reaches, in one database query.</summary>
    /// <exception cref="MailingValidationException">A list of the selection does not exist (the field <c>Lists[i]</c> is named).</exception>
    Task<long> CountAsync(AudienceQuery query, CancellationToken cancellationToken);

    /// <summary>Takes the run's ceiling: the greatest contact id the selection reaches now, or <see langword="null"/> when it reaches none.</summary>
    /// <exception cref="MailingValidationException">A list of the selection does not exist.</exception>
    Task<AudienceCeiling?> CaptureCeilingAsync(AudienceQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Returns up to <paramref name="limit"/> recipients with ids in (<paramref name="afterContactId"/>,
    /// <paramref name="ceiling"/>], in id order, by a keyset seek (never OFFSET).
    /// </summary>
    Task<IReadOnlyList<AudienceRecipient>> ReadPageAsync(
        AudienceQuery query, AudienceCeiling ceiling, Guid? afterContactId, int limit, CancellationToken cancellationToken);
}

/// <summary>
/// An <see cref="AudienceSelection"/> as Core's validation leaves it for a store: in one client's audience, with
/// lists, tags and phone prefixes distinct and valid, prefixes in <c>+digits</c> form, and no part missing (an
/// unused part is empty). At least one part is non-empty.
/// </summary>
/// <param name="Scope">The client and the audience the selection reads.</param>
/// <param name="Lists">Keys of the lists whose active members are reached (union); empty: every contact of the audience.</param>
/// <param name="Tags">Keep contacts having any of these tags; empty: no tag filter.</param>
/// <param name="PhonePrefixes">Keep contacts whose phone starts with any of these <c>+digits</c> prefixes; empty: no phone filter.</param>
/// <param name="Attributes">Keep contacts whose attribute of each name has this text value; empty: no attribute filter.</param>
public sealed record AudienceQuery(
    MailingScope Scope,
    IReadOnlyList<string> Lists,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> PhonePrefixes,
    IReadOnlyDictionary<string, string> Attributes);
