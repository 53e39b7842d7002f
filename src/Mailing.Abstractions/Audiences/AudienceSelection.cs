namespace Mailing;

/// <summary>
/// Who a mailout reaches, as serializable data (JSON <c>{audience, lists, tags, phonePrefixes, attributes}</c>).
/// </summary>
/// <remarks>
/// <para>How the parts combine:</para>
/// <list type="number">
/// <item>The <b>base set</b> is the union of the active members of every list in <see cref="Lists"/>;
/// without lists it is every contact of the <see cref="Audience"/>.</item>
/// <item>Each filter that is given narrows the base set, and the filters combine with AND:
/// <see cref="Tags"/> keeps contacts having <i>any</i> of the tags, <see cref="PhonePrefixes"/> keeps
/// contacts whose phone starts with <i>any</i> of the prefixes, and <see cref="Attributes"/> keeps contacts
/// whose attributes equal <i>all</i> the given values.</item>
/// <item>Deleted, unsubscribed and suppressed contacts are always excluded, and each contact counts once.</item>
/// </list>
/// <para>A selection must name at least one list or filter: an empty selection is rejected rather than
/// read as "everyone".</para>
/// </remarks>
public sealed record AudienceSelection
{
    /// <summary>The audience inside the client; <see cref="MailingScope.DefaultAudience"/> when omitted.</summary>
    public string? Audience { get; init; }

    /// <summary>Keys of recipient lists whose active members are reached (union).</summary>
    public IReadOnlyList<string?>? Lists { get; init; }

    /// <summary>Keep contacts having any of these tags.</summary>
    public IReadOnlyList<string?>? Tags { get; init; }

    /// <summary>Keep contacts whose E.164 phone starts with any of these prefixes (country or operator codes: <c>7</c>, <c>+7916</c>).</summary>
    public IReadOnlyList<string?>? PhonePrefixes { get; init; }

    /// <summary>
    /// Keep contacts whose attribute of each name has this value. String and number attributes are compared
    /// by their text (<c>"2026"</c> matches the number 2026); <c>"true"</c>/<c>"false"</c> match booleans.
    /// </summary>
    public IReadOnlyDictionary<string, string?>? Attributes { get; init; }
}
