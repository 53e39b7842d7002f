using System.Text.Json;

namespace Mailing;

/// <summary>A contact's membership in a <see cref="RecipientList"/>, keyed by the source object it came from.</summary>
public sealed record RecipientListMember
{
    /// <summary>Store id (UUIDv7).</summary>
    public required Guid Id { get; init; }

    /// <summary>The list this membership belongs to.</summary>
    public required Guid ListId { get; init; }

    /// <summary>The contact.</summary>
    public required Guid ContactId { get; init; }

    /// <summary>The email address as supplied when the membership was last written.</summary>
    public required string EmailSnapshot { get; init; }

    /// <summary>The source system's key for the object behind this membership (e.g. <c>homework-submission:123</c>); unique in the list.</summary>
    public required string SourceObjectKey { get; init; }

    /// <summary>Free-form JSON object supplied by the caller.</summary>
    public required JsonElement Metadata { get; init; }

    /// <summary>Whether the member currently receives mail sent to the list.</summary>
    public required bool Active { get; init; }

    /// <summary>When the member was soft-removed; <see langword="null"/> while active.</summary>
    public DateTimeOffset? RemovedAt { get; init; }

    /// <summary>When the membership was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the membership last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}
