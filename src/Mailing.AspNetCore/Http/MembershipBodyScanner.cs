using System.Buffers;
using System.Text.Json;

namespace Mailing.AspNetCore.Http;

/// <summary>
/// Finds, in one pass over a spooled JSON membership body, where the members array and the other top-level
/// properties sit (byte ranges), without parsing the members: <see cref="MembershipRequestReader"/> then reads
/// the small properties whole and streams the members from their range. A single JSON value larger than
/// <see cref="MemberItemReader.MaxMemberBytes"/> fails the request, naming where it is.
/// </summary>
internal static class MembershipBodyScanner
{
    /// <summary>Where the members array and the other top-level properties sit in the spooled body.</summary>
    internal sealed class Layout
    {
        public (long Start, long End)? Members { get; set; }

        public bool SawMembers { get; set; }

        public List<(long Start, long End)> Others { get; } = [];
    }

    /// <summary>Walks the body's tokens once, recording byte ranges; the members array is skipped, not parsed.</summary>
    public static async Task<Layout> ScanAsync(Spool spool, string membersName, CancellationToken cancellationToken)
    {
        var layout = new Layout();
        var scan = new ScanState(membersName);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            spool.Stream.Position = 0;
            var filled = 0;
            long offset = 0;
            var readerState = new JsonReaderState(new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            while (true)
            {
                if (filled == buffer.Length)
                {
                    if (buffer.Length >= MemberItemReader.MaxMemberBytes)
                    {
                        var field = !scan.InMembers ? "body" : $"members[{(scan.Depth > 2 ? scan.MembersSeen - 1 : scan.MembersSeen)}]";
                        throw new RequestBodyException(field, $"'{field}' holds a JSON value of more than {MemberItemReader.MaxMemberBytes} bytes.");
                    }

                    // One token larger than the buffer: grow it.
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await spool.Stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                filled += read;
                var consumed = Scan(buffer.AsSpan(0, filled), isFinalBlock: read == 0, ref readerState, offset, scan, layout);
                buffer.AsSpan(consumed, filled - consumed).CopyTo(buffer);
                filled -= consumed;
                offset += consumed;
                if (read == 0)
                {
                    break;
                }
            }
        }
        catch (JsonException ex)
        {
            throw new RequestBodyException("body", $"The request body is not valid JSON (line {ex.LineNumber + 1}, position {ex.BytePositionInLine + 1}).");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (!scan.SawObject)
        {
            throw new RequestBodyException("body", "The request body must be a JSON object.");
        }

        return layout;
    }

    private sealed class ScanState(string membersName)
    {
        public string MembersName { get; } = membersName;

        public bool SawObject { get; set; }

        public int Depth { get; set; }

        public bool InMembers { get; set; }

        /// <summary>Elements of the members array begun so far.</summary>
        public int MembersSeen { get; set; }

        public long PropertyStart { get; set; } = -1;

        public long ValueStart { get; set; }

        public JsonTokenType ValueToken { get; set; }
    }

    private static int Scan(ReadOnlySpan<byte> data, bool isFinalBlock, ref JsonReaderState readerState, long offset, ScanState scan, Layout layout)
    {
        var reader = new Utf8JsonReader(data, isFinalBlock, readerState);
        while (reader.Read())
        {
            if (scan.InMembers && scan.Depth == 2 && reader.TokenType != JsonTokenType.EndArray)
            {
                scan.MembersSeen++;
            }

            var start = offset + reader.TokenStartIndex;
            var end = offset + reader.BytesConsumed;
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject or JsonTokenType.StartArray:
                    if (scan.Depth == 0)
                    {
                        if (reader.TokenType != JsonTokenType.StartObject)
                        {
                            throw new RequestBodyException("body", "The request body must be a JSON object.");
                        }

                        scan.SawObject = true;
                    }
                    else if (scan.Depth == 1)
                    {
                        scan.ValueStart = start;
                        scan.ValueToken = reader.TokenType;
                    }

                    scan.Depth++;
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    scan.Depth--;
                    if (scan.Depth == 1)
                    {
                        EndValue(scan, layout, end);
                    }

                    break;
                case JsonTokenType.PropertyName when scan.Depth == 1:
                    scan.PropertyStart = start;
                    scan.InMembers = reader.ValueTextEquals(scan.MembersName)
                        || string.Equals(PropertyName(ref reader), scan.MembersName, StringComparison.OrdinalIgnoreCase);
                    break;
                case JsonTokenType.PropertyName:
                    break;
                default:
                    if (scan.Depth == 1)
                    {
                        // A scalar value of a top-level property.
                        scan.ValueStart = start;
                        scan.ValueToken = reader.TokenType;
                        EndValue(scan, layout, end);
                    }

                    break;
            }
        }

        readerState = reader.CurrentState;
        return (int)reader.BytesConsumed;
    }

    private static string PropertyName(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new RequestBodyException("body", "A property name of the request body is not valid UTF-8 text.");
        }
    }

    private static void EndValue(ScanState scan, Layout layout, long end)
    {
        if (!scan.InMembers)
        {
            layout.Others.Add((scan.PropertyStart, end));
            return;
        }

        scan.InMembers = false;
        if (layout.SawMembers)
        {
            throw new RequestBodyException("members", "The members property appears more than once.");
        }

        layout.SawMembers = true;
        layout.Members = scan.ValueToken switch
        {
            JsonTokenType.StartArray => (scan.ValueStart, end),
            JsonTokenType.Null => null,
            _ => throw new RequestBodyException("members", "members must be a JSON array of member objects."),
        };
    }
}
