namespace Mailing.AspNetCore.Suppressions;

// Wire shapes of the suppression endpoints. The request body of PUT /suppressions/{address} is Mailing.SuppressionInput.

/// <summary>A suppression as the API shows it.</summary>
/// <param name="Id">Store id (UUIDv7).</param>
/// <param name="Address">The suppressed email address or domain, normalized.</param>
/// <param name="Scope"><c>address</c>, <c>domain</c> or <c>address_stream</c>.</param>
/// <param name="Stream">The stream an <c>address_stream</c> suppression covers; <see langword="null"/> otherwise.</param>
/// <param name="Reason">Why sending is suppressed.</param>
/// <param name="Source">Where the suppression came from (<c>api</c>, <c>event:mailgun</c>, ...).</param>
/// <param name="ExpiresAt">When it stops applying; <see langword="null"/>: never.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record SuppressionResponse(
    Guid Id, string Address, SuppressionScope Scope, MessageStream? Stream, SuppressionReason Reason, string? Source,
    DateTimeOffset? ExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    internal static SuppressionResponse From(Suppression s) =>
        new(s.Id, s.Address, s.Scope, s.Stream, s.Reason, s.Source, s.ExpiresAt, s.CreatedAt, s.UpdatedAt);
}
