using Mailing.Stores;

namespace Mailing.RecipientLists.StoreKit;

/// <summary>
/// A member item that passed validation, as the membership rules and a store's writer see it: every
/// field a membership row needs is present.
/// </summary>
/// <param name="Index">Zero-based position in the request.</param>
/// <param name="SourceObjectKey">The source key.</param>
/// <param name="Email">The trimmed email address as supplied (the row's email snapshot).</param>
/// <param name="NormalizedEmail">The comparison form of the address, which names the contact.</param>
/// <param name="Name">The contact name to apply, if any.</param>
/// <param name="MetadataJson">Compact JSON object text.</param>
public sealed record ValidMember(int Index, string SourceObjectKey, string Email, string NormalizedEmail, string? Name, string MetadataJson)
{
    /// <summary>The item as a valid member, or <see langword="null"/> when it carries an <see cref="MemberWrite.Error"/>.</summary>
    /// <exception cref="ArgumentException">The item has no error but lacks a source key or an address (the core service never sends one).</exception>
    public static ValidMember? From(MemberWrite item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Error is not null)
        {
            return null;
        }

        return item is { SourceObjectKey: { } key, Email: { } email, NormalizedEmail: { } normalized }
            ? new ValidMember(item.Index, key, email, normalized, item.Name, item.MetadataJson)
            : throw new ArgumentException($"Item {item.Index} carries no error but lacks its source key or address.", nameof(item));
    }
}
