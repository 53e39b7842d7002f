using System.Runtime.CompilerServices;
using Mailing.Stores;
using Mailing.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailing.RecipientLists;

/// <summary>Validates and normalizes input, then hands the work to the configured <see cref="IRecipientListStore"/>.</summary>
internal sealed partial class RecipientListService(
    IRecipientListStore store,
    IOptions<MailingOptions> options,
    ILogger<RecipientListService> logger) : IRecipientListService
{
    public async Task<RecipientListUpsertResult> UpsertListAsync(
        MailingScope scope, string key, RecipientListDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var errors = new ValidationErrors();
        CheckScopeAndKey(errors, scope, key);
        var write = CheckDefinition(errors, definition, key, prefix: string.Empty);
        errors.ThrowIfAny();

        var result = await store.UpsertListAsync(scope, key, write, cancellationToken).ConfigureAwait(false);
        LogListUpserted(scope.ClientId, scope.Audience, key, result.Outcome);
        return result;
    }

    public Task<RecipientList?> FindListAsync(MailingScope scope, string key, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        CheckScopeAndKey(errors, scope, key);
        errors.ThrowIfAny();
        return store.FindListAsync(scope, key, cancellationToken);
    }

    public async Task<Page<RecipientList>> ListListsAsync(
        MailingScope scope, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        errors.Check("Audience", InputRules.CheckScope(scope));
        var size = CheckLimit(errors, limit);
        errors.ThrowIfAny();

        var after = PageCursor.Decode(cursor, k => InputRules.CheckListKey(k) is null);
        var fetched = await store.ListListsAsync(scope, after, size + 1, cancellationToken).ConfigureAwait(false);
        return PageCursor.ToPage(fetched, size, l => l.Key);
    }

    public async Task<MemberUpsertResult> UpsertMemberAsync(
        MailingScope scope, string listKey, MemberInput member, RecipientListDefinition? list = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(member);
        var errors = new ValidationErrors();
        CheckScopeAndKey(errors, scope, listKey);
        var listWrite = list is null ? null : CheckDefinition(errors, list, listKey, prefix: "List.");
        var write = Normalize(member, index: 0, out var itemErrors);
        foreach (var (field, message) in itemErrors)
        {
            errors.Check(field, message);
        }

        errors.ThrowIfAny();

        var change = new MembershipChange(listWrite, Reconcile: false, DryRun: false, RemoveAbsent: false, RejectConflicts: true);
        var result = await store.ApplyMembersAsync(scope, listKey, change, new[] { write }.ToAsyncEnumerable(), cancellationToken).ConfigureAwait(false);
        var outcome = result.Items[0].Outcome;
        var stored = await store.FindMemberAsync(scope, listKey, write.SourceObjectKey!, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The store did not persist member '{write.SourceObjectKey}' of list '{listKey}'.");

        LogMemberUpserted(scope.ClientId, scope.Audience, listKey, write.SourceObjectKey!, stored.ContactId, outcome);
        return new MemberUpsertResult(result.List!, stored, outcome);
    }

    public async Task<Page<RecipientListMember>> ListMembersAsync(
        MailingScope scope, string listKey, bool? active = null, string? cursor = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var errors = new ValidationErrors();
        CheckScopeAndKey(errors, scope, listKey);
        var size = CheckLimit(errors, limit);
        errors.ThrowIfAny();

        var after = PageCursor.Decode(cursor, k => InputRules.CheckSourceObjectKey(k) is null);
        var fetched = await store.ListMembersAsync(scope, listKey, active, after, size + 1, cancellationToken).ConfigureAwait(false)
            ?? throw new MailingNotFoundException($"Recipient list '{listKey}' does not exist.");
        return PageCursor.ToPage(fetched, size, m => m.SourceObjectKey);
    }

    public Task<MembershipChangeResult> UpsertMembersAsync(
        MailingScope scope, string listKey, IAsyncEnumerable<MemberInput> members, RecipientListDefinition? list = null, CancellationToken cancellationToken = default) =>
        ApplyAsync(scope, listKey, members, list, reconcile: false, default, cancellationToken);

    public Task<MembershipChangeResult> ReconcileAsync(
        MailingScope scope, string listKey, IAsyncEnumerable<MemberInput> members, ReconcileOptions options, RecipientListDefinition? list = null, CancellationToken cancellationToken = default) =>
        ApplyAsync(scope, listKey, members, list, reconcile: true, options, cancellationToken);

    private async Task<MembershipChangeResult> ApplyAsync(
        MailingScope scope, string listKey, IAsyncEnumerable<MemberInput> members, RecipientListDefinition? list, bool reconcile, ReconcileOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(members);
        var errors = new ValidationErrors();
        CheckScopeAndKey(errors, scope, listKey);
        var listWrite = list is null ? null : CheckDefinition(errors, list, listKey, prefix: "List.");
        errors.ThrowIfAny();

        var change = new MembershipChange(listWrite, reconcile, options.DryRun, options.RemoveAbsent);
        var result = await store.ApplyMembersAsync(scope, listKey, change, NormalizeAll(members, cancellationToken), cancellationToken).ConfigureAwait(false);
        LogMembersApplied(scope.ClientId, scope.Audience, listKey, reconcile ? "reconcile" : "bulk upsert", options.DryRun, result.Counts);
        return result;
    }

    private static async IAsyncEnumerable<MemberWrite> NormalizeAll(IAsyncEnumerable<MemberInput> members, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var index = 0;
        await foreach (var member in members.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return member is null
                ? new MemberWrite(index, null, null, null, null, InputRules.EmptyObjectJson, "The member must be an object, not null.")
                : Normalize(member, index, out _);
            index++;
        }
    }

    /// <summary>Normalizes one member; invalid items carry every problem in <see cref="MemberWrite.Error"/>.</summary>
    private static MemberWrite Normalize(MemberInput member, int index, out List<(string Field, string Message)> errors)
    {
        errors = [];
        if (InputRules.CheckSourceObjectKey(member.SourceObjectKey) is { } keyError)
        {
            errors.Add(("SourceObjectKey", keyError));
        }

        if (InputRules.CheckEmail(member.Email, out var email, out var normalized) is { } emailError)
        {
            errors.Add(("Email", emailError));
        }

        if (InputRules.CheckName(member.Name) is { } nameError)
        {
            errors.Add(("Name", nameError));
        }

        if (InputRules.CheckMetadata(member.Metadata, out var metadata) is { } metadataError)
        {
            errors.Add(("Metadata", metadataError));
        }

        return errors.Count == 0
            ? new MemberWrite(index, member.SourceObjectKey, email, normalized, member.Name, metadata)
            : new MemberWrite(
                index,
                InputRules.Echo(member.SourceObjectKey, MailingLimits.MaxSourceObjectKeyLength),
                InputRules.Echo(member.Email, MailingLimits.MaxEmailLength),
                null,
                null,
                InputRules.EmptyObjectJson,
                string.Join(" ", errors.Select(e => e.Message)));
    }

    /// <summary>Records the definition's problems in <paramref name="errors"/>; the write is only used once they are known to be none.</summary>
    private static ListDefinitionWrite CheckDefinition(ValidationErrors errors, RecipientListDefinition definition, string key, string prefix)
    {
        errors.Check(prefix + "Type", InputRules.CheckType(definition.Type))
              .Check(prefix + "Name", InputRules.CheckName(definition.Name))
              .Check(prefix + "Metadata", InputRules.CheckMetadata(definition.Metadata, out var metadata));
        var name = string.IsNullOrWhiteSpace(definition.Name) ? key : definition.Name;
        return new ListDefinitionWrite(definition.Type, name, metadata);
    }

    private static void CheckScopeAndKey(ValidationErrors errors, MailingScope scope, string key) =>
        errors.Check("Audience", InputRules.CheckScope(scope)).Check("Key", InputRules.CheckListKey(key));

    private int CheckLimit(ValidationErrors errors, int? limit)
    {
        var settings = options.Value;
        if (limit is null)
        {
            return settings.DefaultPageSize;
        }

        errors.Check("Limit", limit < 1 || limit > settings.MaxPageSize ? $"The limit must be between 1 and {settings.MaxPageSize}." : null);
        return limit.Value;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Recipient list {ClientId}/{Audience}/{ListKey} upsert: {Outcome}")]
    private partial void LogListUpserted(string clientId, string audience, string listKey, ListUpsertOutcome outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Member {SourceObjectKey} of recipient list {ClientId}/{Audience}/{ListKey} (contact {ContactId}): {Outcome}")]
    private partial void LogMemberUpserted(string clientId, string audience, string listKey, string sourceObjectKey, Guid contactId, MemberOutcome outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recipient list {ClientId}/{Audience}/{ListKey} {Operation} (dry run: {DryRun}): {Counts}")]
    private partial void LogMembersApplied(string clientId, string audience, string listKey, string operation, bool dryRun, MemberOutcomeCounts counts);
}
