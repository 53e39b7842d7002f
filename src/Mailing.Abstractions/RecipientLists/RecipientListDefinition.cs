using System.Text.Json;

namespace Mailing;

/// <summary>The caller-owned fields of a recipient list.</summary>
/// <param name="Type">What kind of list this is (e.g. <c>course_registrants</c>).</param>
/// <param name="Name">Human-readable name; the key is used when omitted.</param>
/// <param name="Metadata">A JSON object, or <see langword="null"/> for none.</param>
public sealed record RecipientListDefinition(string Type, string? Name = null, JsonElement? Metadata = null);

/// <summary>One member as a caller supplies it to an upsert or a reconcile snapshot.</summary>
/// <param name="SourceObjectKey">The source system's key for the object behind the membership.</param>
/// <param name="Email">The recipient's email address.</param>
/// <param name="Name">The contact's name; applied to the contact when given.</param>
/// <param name="Metadata">A JSON object, or <see langword="null"/> for none.</param>
public sealed record MemberInput(string? SourceObjectKey, string? Email, string? Name = null, JsonElement? Metadata = null);

/// <summary>Options of a snapshot reconcile.</summary>
/// <param name="DryRun">Compute and report every change, write nothing.</param>
/// <param name="RemoveAbsent">Soft-remove active members whose source key is missing from the snapshot.</param>
public readonly record struct ReconcileOptions(bool DryRun = false, bool RemoveAbsent = false);
