using System.Text.Json;

namespace Mailing;

/// <summary>One recipient of an audience page: who, where, when (their time zone) and the merge fields.</summary>
/// <param name="ContactId">The contact.</param>
/// <param name="Email">Email address, if the contact has one.</param>
/// <param name="Phone">E.164 phone number, if the contact has one.</param>
/// <param name="Name">Name (merge field <c>name</c>).</param>
/// <param name="TimeZone">IANA time zone, or <see langword="null"/> for UTC.</param>
/// <param name="Attributes">The contact's attributes (merge fields).</param>
public sealed record AudienceRecipient(Guid ContactId, string? Email, string? Phone, string? Name, string? TimeZone, JsonElement Attributes)
{
    /// <summary>The address to send to: the email when there is one, else the phone.</summary>
    public string Address => Email ?? Phone ?? string.Empty;
}

/// <summary>
/// Where a paged read of an audience stands. Persist it after each page to resume after a crash:
/// the ceiling fixed at the start keeps contacts and memberships added later out of the run.
/// </summary>
/// <param name="Ceiling">The run's ceiling, fixed when it started; <see langword="null"/> when the audience was empty.</param>
/// <param name="AfterContactId">The last contact id already handed out, or <see langword="null"/> before the first page.</param>
/// <param name="PagesRead">Pages handed out so far (the next page is number <c>PagesRead + 1</c>).</param>
/// <param name="Completed">Whether the run has handed out its last page (or had nothing to hand out).</param>
public sealed record AudienceCheckpoint(AudienceCeiling? Ceiling, Guid? AfterContactId, int PagesRead, bool Completed);

/// <summary>One page of an audience run.</summary>
/// <param name="Number">1-based page number.</param>
/// <param name="Recipients">The page's recipients, ordered by contact id, never empty.</param>
/// <param name="IsLast">Whether no page follows.</param>
/// <param name="Checkpoint">The checkpoint after this page: pass it to resume with the next one.</param>
public sealed record AudiencePage(int Number, IReadOnlyList<AudienceRecipient> Recipients, bool IsLast, AudienceCheckpoint Checkpoint);

/// <summary>
/// The upper bounds of an audience run, taken when it starts. Contact and membership ids are UUIDv7
/// (time-ordered), so ids above the bounds belong to rows created after the start.
/// </summary>
/// <param name="MaxContactId">The greatest contact id the selection reached at the start.</param>
/// <param name="MaxMembershipId">The greatest membership id possible at the start: list memberships with a greater id were added later and do not count.</param>
public readonly record struct AudienceCeiling(Guid MaxContactId, Guid MaxMembershipId);
