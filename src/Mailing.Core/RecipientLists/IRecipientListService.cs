namespace Mailing.RecipientLists;

/// <summary>
/// Client-scoped recipient lists: idempotent list and member upserts, bulk upserts and full
/// snapshot reconciliation with per-item outcomes. Validates every input and throws
/// <see cref="MailingValidationException"/> (nothing written) for a malformed request; items of a
/// bulk request are reported one by one instead.
/// </summary>
public interface IRecipientListService
{
    /// <summary>Creates the list or updates its type, name and metadata; repeating the call changes nothing.</summary>
    Task<RecipientListUpsertResult> UpsertListAsync(MailingScope scope, string key, RecipientListDefinition definition, CancellationToken cancellationToken = default);

    /// <summary>Finds a list by key, or returns <see langword="null"/>.</summary>
    Task<RecipientList?> FindListAsync(MailingScope scope, string key, CancellationToken cancellationToken = default);

    /// <summary>Lists the scope's lists ordered by key, one keyset page at a time.</summary>
    /// <param name="scope">Client and audience.</param>
    /// <param name="cursor">The <see cref="Page{T}.NextCursor"/> of the previous page, or <see langword="null"/> for the first.</param>
    /// <param name="limit">Page size; <see cref="MailingOptions.DefaultPageSize"/> when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    Task<Page<RecipientList>> ListListsAsync(MailingScope scope, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Upserts one member by its source key, creating the list (from <paramref name="list"/>, or
    /// with defaults) and the contact when needed. Re-upserting a removed member reactivates it.
    /// </summary>
    /// <exception cref="MailingConflictException">The contact is already an active member under another source key.</exception>
    Task<MemberUpsertResult> UpsertMemberAsync(MailingScope scope, string listKey, MemberInput member, RecipientListDefinition? list = null, CancellationToken cancellationToken = default);

    /// <summary>Lists a list's members ordered by source key, one keyset page at a time.</summary>
    /// <exception cref="MailingNotFoundException">The list does not exist.</exception>
    Task<Page<RecipientListMember>> ListMembersAsync(
        MailingScope scope, string listKey, bool? active = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default);

    /// <summary>Upserts many members in one transaction and reports an outcome for each.</summary>
    Task<MembershipChangeResult> UpsertMembersAsync(
        MailingScope scope, string listKey, IAsyncEnumerable<MemberInput> members, RecipientListDefinition? list = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reconciles the list with a full snapshot of its members: upserts every item, soft-removes
    /// absent members when <see cref="ReconcileOptions.RemoveAbsent"/> is set, and records the
    /// run's status and counts on the list — all in one transaction. A dry run writes nothing.
    /// </summary>
    Task<MembershipChangeResult> ReconcileAsync(
        MailingScope scope, string listKey, IAsyncEnumerable<MemberInput> members, ReconcileOptions options, RecipientListDefinition? list = null, CancellationToken cancellationToken = default);
}
