using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mailing;

/// <summary>
/// A named, client-scoped set of contacts (for example everyone who submitted a homework),
/// kept in step with its source system by upserts and snapshot reconciliation.
/// </summary>
public sealed record RecipientList
{
    /// <summary>Store id (UUIDv7).</summary>
    public required Guid Id { get; init; }

    /// <summary>The owning client.</summary>
    public required string ClientId { get; init; }

    /// <summary>The audience the list lives in.</summary>
    public required string Audience { get; init; }

    /// <summary>The caller's key, unique per client and audience (e.g. <c>homework-submitters:ml-zoomcamp-2026:homework-1</c>).</summary>
    public required string Key { get; init; }

    /// <summary>What kind of list this is (e.g. <c>homework_submitters</c>).</summary>
    public required string Type { get; init; }

    /// <summary>Human-readable name.</summary>
    public required string Name { get; init; }

    /// <summary>Free-form JSON object supplied by the caller.</summary>
    public required JsonElement Metadata { get; init; }

    /// <summary>Members ever added, active or removed.</summary>
    public required long MemberCount { get; init; }

    /// <summary>Members currently active.</summary>
    public required long ActiveMemberCount { get; init; }

    /// <summary>Members soft-removed (<see cref="MemberCount"/> − <see cref="ActiveMemberCount"/>).</summary>
    public long RemovedMemberCount => MemberCount - ActiveMemberCount;

    /// <summary>The outcome of the last reconcile that wrote, or <see langword="null"/> if none has run.</summary>
    public ReconcileReport? LastReconcile { get; init; }

    /// <summary>When the list was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the list's own fields or counters last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>The status, time and counts of a reconcile run.</summary>
/// <param name="Status">How it ended.</param>
/// <param name="At">When it completed.</param>
/// <param name="Counts">Per-outcome counts.</param>
public sealed record ReconcileReport(ReconcileStatus Status, DateTimeOffset At, MemberOutcomeCounts Counts);

/// <summary>How a reconcile run ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReconcileStatus>))]
public enum ReconcileStatus
{
    /// <summary>Every snapshot item was applied.</summary>
    [JsonStringEnumMemberName("succeeded")]
    Succeeded,

    /// <summary>The run was applied, but some items were invalid or duplicates and were skipped (each reported).</summary>
    [JsonStringEnumMemberName("completed_with_errors")]
    CompletedWithErrors,
}
