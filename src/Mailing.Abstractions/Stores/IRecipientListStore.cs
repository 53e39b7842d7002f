namespace Mailing.Stores;

/// <summary>
/// Persists recipient lists, their members and the contacts members resolve to. Implemented
/// once per store (EF Core, MongoDB); the Core service validates and normalizes every input
/// before it reaches a store, so a store trusts its arguments and owns atomicity: each call is
/// one transaction, and counters change in the same transaction as the membership.
/// </summary>
/// <remarks>
/// Every method is scoped by <see cref="MailingScope"/>; a store never returns or touches rows
/// of another client or audience.
/// </remarks>
public interface IRecipientListStore
{
    /// <summary>Creates the list or updates its fields; writes nothing when they already match.</summary>
    Task<RecipientListUpsertResult> UpsertListAsync(MailingScope scope, string key, ListDefinitionWrite definition, CancellationToken cancellationToken);

    /// <summary>Finds a list by key, or returns <see langword="null"/>.</summary>
    Task<RecipientList?> FindListAsync(MailingScope scope, string key, CancellationToken cancellationToken);

    /// <summary>Returns up to <paramref name="limit"/> lists ordered by key, starting after <paramref name="afterKey"/>.</summary>
    Task<IReadOnlyList<RecipientList>> ListListsAsync(MailingScope scope, string? afterKey, int limit, CancellationToken cancellationToken);

    /// <summary>Finds one member by source key, or returns <see langword="null"/> (also when the list does not exist).</summary>
    Task<RecipientListMember?> FindMemberAsync(MailingScope scope, string listKey, string sourceObjectKey, CancellationToken cancellationToken);

    /// <summary>
    /// Returns up to <paramref name="limit"/> members ordered by source key, starting after
    /// <paramref name="afterSourceObjectKey"/>, optionally only active or only removed ones;
    /// <see langword="null"/> when the list does not exist.
    /// </summary>
    Task<IReadOnlyList<RecipientListMember>?> ListMembersAsync(
        MailingScope scope, string listKey, bool? active, string? afterSourceObjectKey, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Applies a bulk upsert or a snapshot reconcile in one transaction and reports one
    /// <see cref="MemberResult"/> per item, in request order, then one per removed member.
    /// Creates the list (and the contacts) when needed. Items carrying an
    /// <see cref="MemberWrite.Error"/> are reported as <see cref="MemberOutcome.Invalid"/>, and
    /// their source key still counts as present in the snapshot.
    /// </summary>
    /// <exception cref="MailingConflictException">
    /// <see cref="MembershipChange.RejectConflicts"/> is set and an item is a duplicate; the transaction is rolled back.
    /// </exception>
    Task<MembershipChangeResult> ApplyMembersAsync(
        MailingScope scope, string listKey, MembershipChange change, IAsyncEnumerable<MemberWrite> members, CancellationToken cancellationToken);

    /// <summary>
    /// Whether the store runs one transaction at a time per database (SQLite), so that a bulk upsert or
    /// reconcile whose items arrive slowly would hold every other write up, another client's too. Callers
    /// that read the items from a network (the HTTP endpoints) then receive them whole before calling
    /// <see cref="ApplyMembersAsync"/>. Default <see langword="false"/>: the items may be streamed in.
    /// </summary>
    bool WritesOneAtATime => false;
}

/// <summary>A validated list definition, as a store receives it.</summary>
/// <param name="Type">List type.</param>
/// <param name="Name">List name (the key when the caller gave none).</param>
/// <param name="MetadataJson">Compact JSON object text.</param>
public sealed record ListDefinitionWrite(string Type, string Name, string MetadataJson);

/// <summary>A validated, normalized member item, as a store receives it.</summary>
/// <param name="Index">Zero-based position in the request.</param>
/// <param name="SourceObjectKey">The source key (null only when <paramref name="Error"/> is set).</param>
/// <param name="Email">The trimmed email address as supplied.</param>
/// <param name="NormalizedEmail">The comparison form of the address (trimmed, lower-case).</param>
/// <param name="Name">The contact name to apply, if any.</param>
/// <param name="MetadataJson">Compact JSON object text.</param>
/// <param name="Error">Why the item is invalid; the store reports it and writes nothing for it.</param>
public sealed record MemberWrite(int Index, string? SourceObjectKey, string? Email, string? NormalizedEmail, string? Name, string MetadataJson, string? Error = null);

/// <summary>What <see cref="IRecipientListStore.ApplyMembersAsync"/> should do.</summary>
/// <param name="List">List fields to create the list with (and to update it to) when given; when absent a missing list is created with <see cref="DefaultDefinition"/>.</param>
/// <param name="Reconcile">Record the run as the list's last reconcile.</param>
/// <param name="DryRun">Compute everything, write nothing.</param>
/// <param name="RemoveAbsent">Soft-remove active members whose source key is not among the items.</param>
/// <param name="RejectConflicts">Throw <see cref="MailingConflictException"/> instead of reporting a duplicate (single-member upsert).</param>
public sealed record MembershipChange(ListDefinitionWrite? List, bool Reconcile, bool DryRun, bool RemoveAbsent, bool RejectConflicts = false)
{
    /// <summary>The list type given to a list created implicitly without a definition.</summary>
    public const string DefaultListType = "custom";

    /// <summary>The definition of a list created implicitly for <paramref name="key"/>.</summary>
    public static ListDefinitionWrite DefaultDefinition(string key) => new(DefaultListType, key, "{}");
}
