using System.Buffers.Text;
using System.Text;

namespace Mailing.Validation;

/// <summary>Opaque keyset cursors: base64url of the last key of the previous page.</summary>
internal static class PageCursor
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Encode(string lastKey) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(lastKey));

    /// <summary>The last key of the previous page (any text), or null; see <see cref="Decode(string?, Func{string, bool})"/>.</summary>
    public static string? Decode(string? cursor) => Decode(cursor, _ => true);

    /// <summary>
    /// The last key of the previous page, or null for the first page. A cursor this API did not return is a
    /// validation error naming <c>Cursor</c>: it must be canonical base64url of UTF-8 text that
    /// <paramref name="isKey"/> accepts (so <c>?cursor=AA</c> is not read as the first page).
    /// </summary>
    public static string? Decode(string? cursor, Func<string, bool> isKey)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            var key = Strict.GetString(Base64Url.DecodeFromChars(cursor));
            if (isKey(key) && string.Equals(Encode(key), cursor, StringComparison.Ordinal))
            {
                return key;
            }
        }
        catch (FormatException)
        {
        }
        catch (DecoderFallbackException)
        {
        }

        throw new MailingValidationException("Cursor", "The cursor is not one this API returned.");
    }

    /// <summary>Builds a page from a store query that asked for one item more than <paramref name="limit"/>.</summary>
    public static Page<T> ToPage<T>(IReadOnlyList<T> fetched, int limit, Func<T, string> key) =>
        fetched.Count > limit
            ? new Page<T>([.. fetched.Take(limit)], Encode(key(fetched[limit - 1])))
            : new Page<T>(fetched, null);
}
