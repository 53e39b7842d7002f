using System.Text.Json.Serialization;

namespace Mailing;

/// <summary>
/// A rule that stops mail to an address (all streams, or one stream) or to a whole domain, until it expires or is
/// deleted. Hard bounces and complaints suppress every stream; unsubscribes only operational and bulk mail.
/// </summary>
public sealed record Suppression
{
    /// <summary>Store id (UUIDv7).</summary>
    public required Guid Id { get; init; }

    /// <summary>The owning client.</summary>
    public required string ClientId { get; init; }

    /// <summary>The lower-case email address, or for <see cref="SuppressionScope.Domain"/> the lower-case domain.</summary>
    public required string Address { get; init; }

    /// <summary>What the rule covers.</summary>
    public required SuppressionScope Scope { get; init; }

    /// <summary>For <see cref="SuppressionScope.AddressStream"/>: the stream it stops; otherwise <see langword="null"/> (every stream).</summary>
    public MessageStream? Stream { get; init; }

    /// <summary>Why.</summary>
    public required SuppressionReason Reason { get; init; }

    /// <summary>Where it came from, for people (for example <c>event:bounced</c>, <c>one-click</c>, <c>api</c>).</summary>
    public string? Source { get; init; }

    /// <summary>When it stops applying; <see langword="null"/>: never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>When it was made.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>What a suppression covers.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SuppressionScope>))]
public enum SuppressionScope
{
    /// <summary>One address, every stream.</summary>
    [JsonStringEnumMemberName("address")]
    Address,

    /// <summary>Every address of a domain, every stream.</summary>
    [JsonStringEnumMemberName("domain")]
    Domain,

    /// <summary>One address, one stream.</summary>
    [JsonStringEnumMemberName("address_stream")]
    AddressStream,
}

/// <summary>Why an address is suppressed.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SuppressionReason>))]
public enum SuppressionReason
{
    /// <summary>The mailbox does not exist or refuses mail for good.</summary>
    [JsonStringEnumMemberName("hard_bounce")]
    HardBounce,

    /// <summary>The recipient marked a message as spam.</summary>
    [JsonStringEnumMemberName("complaint")]
    Complaint,

    /// <summary>The recipient unsubscribed.</summary>
    [JsonStringEnumMemberName("unsubscribe")]
    Unsubscribe,

    /// <summary>An operator added it.</summary>
    [JsonStringEnumMemberName("manual")]
    Manual,

    /// <summary>A sending policy (for example a blocked domain).</summary>
    [JsonStringEnumMemberName("policy")]
    Policy,

    /// <summary>The address is not a valid recipient.</summary>
    [JsonStringEnumMemberName("invalid_recipient")]
    InvalidRecipient,
}

/// <summary>The fields of a suppression its author sets (<c>PUT /suppressions/{address}</c>).</summary>
public sealed record SuppressionInput
{
    /// <summary>What it covers: <see cref="SuppressionScope.Address"/> for an address (or <see cref="SuppressionScope.AddressStream"/> when
    /// <see cref="Stream"/> is given), <see cref="SuppressionScope.Domain"/> for a domain, when omitted.</summary>
    public SuppressionScope? Scope { get; init; }

    /// <summary>The stream, for <see cref="SuppressionScope.AddressStream"/>.</summary>
    public MessageStream? Stream { get; init; }

    /// <summary>Why; <see cref="SuppressionReason.Manual"/> when omitted.</summary>
    public SuppressionReason? Reason { get; init; }

    /// <summary>When it stops applying; must be in the future.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}
