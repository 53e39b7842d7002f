using System.Runtime.CompilerServices;
using Mailing.Stores;
using Mailing.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailing.Audiences;

/// <summary>Validates selections and hands counting and paging to the configured <see cref="IAudienceStore"/>.</summary>
internal sealed partial class AudienceService(
    IAudienceStore store,
    IOptions<MailingOptions> options,
    ILogger<AudienceService> logger) : IAudienceService, IAudiencePager
{
    public async Task<long> CountAsync(MailingScope scope, AudienceSelection selection, CancellationToken cancellationToken = default)
    {
        var query = AudienceSelections.Normalize(scope, selection);
        return await store.CountAsync(query, cancellationToken).ConfigureAwait(false);
    }

    public async Task<AudienceCheckpoint> StartAsync(MailingScope scope, AudienceSelection selection, CancellationToken cancellationToken = default)
    {
        var query = AudienceSelections.Normalize(scope, selection);
        var ceiling = await store.CaptureCeilingAsync(query, cancellationToken).ConfigureAwait(false);
        LogStarted(query.Scope.ClientId, query.Scope.Audience, ceiling?.MaxContactId);
        return new AudienceCheckpoint(ceiling, AfterContactId: null, PagesRead: 0, Completed: ceiling is null);
    }

    public async IAsyncEnumerable<AudiencePage> ReadPagesAsync(
        MailingScope scope, AudienceSelection selection, AudienceCheckpoint checkpoint, int? pageSize = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var query = AudienceSelections.Normalize(scope, selection);
        if (checkpoint.Completed || checkpoint.Ceiling is not { } ceiling)
        {
            yield break;
        }

        var size = AudiencePaging.ClampPageSize(pageSize ?? options.Value.AudiencePageSize);
        var current = checkpoint;
        while (true)
        {
            // One row more than the page tells whether another page follows, so the last page is flagged
            // as such and no empty trailing page is ever produced.
            var rows = await store.ReadPageAsync(query, ceiling, current.AfterContactId, size + 1, cancellationToken).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                yield break;
            }

            var isLast = rows.Count <= size;
            IReadOnlyList<AudienceRecipient> recipients = isLast ? rows : rows.Take(size).ToArray();
            current = new AudienceCheckpoint(ceiling, recipients[^1].ContactId, current.PagesRead + 1, isLast);
            yield return new AudiencePage(current.PagesRead, recipients, isLast, current);
            if (isLast)
            {
                yield break;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Audience run of {ClientId}/{Audience} started; ceiling contact {CeilingContactId}")]
    private partial void LogStarted(string clientId, string audience, Guid? ceilingContactId);
}

/// <summary>Validation and normalization of <see cref="AudienceSelection"/>.</summary>
internal static class AudienceSelections
{
    /// <summary>
    /// The scope a campaign's selection reads in <paramref name="clientId"/>: the audience it names, or the default one.
    /// </summary>
    public static MailingScope ScopeOf(string clientId, AudienceSelection selection)
    {
        ArgumentNullException.ThrowIfNull(selection);
        return new MailingScope(clientId, selection.Audience ?? MailingScope.DefaultAudience);
    }

    /// <summary>
    /// Validates the selection for <paramref name="scope"/> and returns it as a store reads it: the audience is the
    /// scope's (a selection that names another one is invalid), lists, tags and prefixes are distinct and prefixes in
    /// <c>+digits</c> form. Throws <see cref="MailingValidationException"/> naming every bad field.
    /// </summary>
    public static AudienceQuery Normalize(MailingScope scope, AudienceSelection selection)
    {
        ArgumentNullException.ThrowIfNull(selection);
        var errors = new ValidationErrors();
        errors.Check("Audience", InputRules.CheckScope(scope));
        errors.Check("Audience", selection.Audience is { } named && !string.Equals(named, scope.Audience, StringComparison.Ordinal)
            ? $"The selection names audience '{InputRules.Echo(named, MailingLimits.MaxAudienceLength)}' but is read in audience '{InputRules.Echo(scope.Audience, MailingLimits.MaxAudienceLength)}'; leave it out or make them agree."
            : null);
        var lists = Items(errors, "Lists", selection.Lists, (string? k, out string v) => { v = k!; return InputRules.CheckListKey(k); });
        var tags = Items(errors, "Tags", selection.Tags, (string? t, out string v) => { v = t!; return InputRules.CheckTag(t); });
        var prefixes = Items(errors, "PhonePrefixes", selection.PhonePrefixes, InputRules.CheckPhonePrefix);

        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        if (selection.Attributes is { } given)
        {
            errors.Check("Attributes", given.Count > MailingLimits.MaxSelectionAttributes ? $"At most {MailingLimits.MaxSelectionAttributes} attributes can be filtered on." : null);
            foreach (var (name, value) in given)
            {
                var field = $"Attributes[{InputRules.Echo(name, MailingLimits.MaxAttributeNameLength)}]";
                errors.Check(field, InputRules.CheckAttributeName(name))
                      .Check(field, value is null ? "The attribute value must be a string, not null." : InputRules.CheckFilterText(value));
                attributes[name] = value!;
            }
        }

        if (lists.Count + tags.Count + prefixes.Count + attributes.Count == 0 && !errors.Any)
        {
            errors.Check("Lists", "Select at least one list or filter (lists, tags, phonePrefixes or attributes); an empty selection is not read as everyone.");
        }

        errors.ThrowIfAny();
        return new AudienceQuery(scope, lists, tags, prefixes, attributes);
    }

    private delegate string? ItemRule(string? item, out string normalized);

    private static List<string> Items(ValidationErrors errors, string field, IReadOnlyList<string?>? items, ItemRule rule)
    {
        var result = new List<string>();
        if (items is null)
        {
            return result;
        }

        errors.Check(field, items.Count > MailingLimits.MaxSelectionItems ? $"At most {MailingLimits.MaxSelectionItems} {field.ToLowerInvariant()} can be given." : null);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (rule(items[i], out var normalized) is { } error)
            {
                errors.Check($"{field}[{i}]", error);
            }
            else if (seen.Add(normalized))
            {
                result.Add(normalized);
            }
        }

        return result;
    }
}
