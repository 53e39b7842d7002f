using System.Buffers.Text;
using System.Text;

namespace Mailing.Validation;

/// <summary>Opaque keyset cursors: base64url of the last key of the previous page.</summary>
internal static class PageCursor
{
    public static string Encode(string lastKey) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(lastKey));

    public static string? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            throw new MailingValidationException("Cursor", "The cursor is not one this API returned.");
        }
    }

    /// <summary>Builds a page from a store query that asked for one item more than <paramref name="limit"/>.</summary>
    public static Page<T> ToPage<T>(IReadOnlyList<T> fetched, int limit, Func<T, string> key) =>
        fetched.Count > limit
            ? new Page<T>([.. fetched.Take(limit)], Encode(key(fetched[limit - 1])))
            : new Page<T>(fetched, null);
}
