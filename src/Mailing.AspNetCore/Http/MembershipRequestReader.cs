using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Unicode;
using Mailing.AspNetCore.RecipientLists;
using Microsoft.AspNetCore.Http;

namespace Mailing.AspNetCore.Http;

/// <summary>
/// A bulk-upsert or reconcile request whose members are read while the store consumes them, so
/// a snapshot of any size never sits in memory.
/// </summary>
internal sealed class MembershipRequest(ListBody? list, bool dryRun, bool removeAbsent, IAsyncEnumerable<MemberInput> members, IAsyncDisposable? spool)
    : IAsyncDisposable
{
    public ListBody? List { get; } = list;

    public bool DryRun { get; } = dryRun;

    public bool RemoveAbsent { get; } = removeAbsent;

    public IAsyncEnumerable<MemberInput> Members { get; } = members;

    public ValueTask DisposeAsync() => spool?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>
/// Reads <see cref="MembershipRequest"/>s from <c>application/json</c> (<c>{list?, members: [...], dryRun, removeAbsent}</c>,
/// properties in any order) or <c>application/x-ndjson</c> (one member per line; list and flags from the query string).
/// </summary>
/// <remarks>
/// A JSON body is first spooled (to memory when small, else to a temporary file) because its flags
/// may follow the members array; then its small properties are read and its members streamed from
/// the spool. An NDJSON body is streamed straight from the connection, unless the store writes one
/// transaction at a time (SQLite): then it is spooled too, so no write waits on a slow sender. Either
/// way the body may not exceed the configured size (413), and a malformed member fails the request
/// naming it (400), after which the store rolls everything back.
/// </remarks>
internal static class MembershipRequestReader
{
    public const string NdjsonContentType = "application/x-ndjson";
    private const int InMemorySpoolLimit = 1024 * 1024;
    private const int MaxHeaderBytes = 1024 * 1024;

    public static async Task<MembershipRequest> ReadAsync(
        HttpRequest request, JsonSerializerOptions options, long maxBodyBytes, bool spoolNdjson, SpoolFolder folder, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBodyBytes)
        {
            throw LimitedReadStream.TooLarge(maxBodyBytes);
        }

        var body = new LimitedReadStream(request.Body, maxBodyBytes);
        if (ContentTypes.Check(request, NdjsonContentType) == NdjsonContentType)
        {
            var query = request.Query;
            var list = query["listType"].ToString() is { Length: > 0 } type ? new ListBody(type, NullIfEmpty(query["listName"]), null) : null;
            var (dryRun, removeAbsent) = (QueryFlag(query, "dryRun"), QueryFlag(query, "removeAbsent"));
            if (!spoolNdjson)
            {
                return new MembershipRequest(list, dryRun, removeAbsent, ReadNdjson(body, options, cancellationToken), null);
            }

            var lines = await SpoolAsync(body, request.ContentLength, folder, cancellationToken).ConfigureAwait(false);
            lines.Stream.Position = 0;
            return new MembershipRequest(list, dryRun, removeAbsent, ReadNdjson(lines.Stream, options, cancellationToken), lines);
        }

        var spool = await SpoolAsync(body, request.ContentLength, folder, cancellationToken).ConfigureAwait(false);
        try
        {
            var layout = await ScanAsync(spool, MembersPropertyName(options), cancellationToken).ConfigureAwait(false);
            var header = await ReadHeaderAsync(spool, layout, options, cancellationToken).ConfigureAwait(false);
            var members = layout.Members is { } range ? ReadArray(spool, range, options, cancellationToken) : null;
            return new MembershipRequest(
                header.List,
                header.DryRun,
                header.RemoveAbsent,
                members ?? throw new MailingValidationException("Members", "The members array is required (send [] for an empty snapshot)."),
                spool);
        }
        catch
        {
            await spool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }


    private static bool QueryFlag(IQueryCollection query, string name) =>
        query[name].ToString() is not { Length: > 0 } value ? false
        : bool.TryParse(value, out var flag) ? flag
        : throw new MailingValidationException(char.ToUpperInvariant(name[0]) + name[1..], $"{name} must be 'true' or 'false', not '{value}'.");

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string MembersPropertyName(JsonSerializerOptions options) => options.PropertyNamingPolicy?.ConvertName("Members") ?? "Members";

    private static IAsyncEnumerable<MemberInput> ReadNdjson(Stream body, JsonSerializerOptions options, CancellationToken cancellationToken) =>
        MemberItemReader.ReadAsync(body, array: false, options, cancellationToken);

    private static async IAsyncEnumerable<MemberInput> ReadArray(Spool spool, (long Start, long End) range, JsonSerializerOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var segment = spool.OpenSegment(range.Start, range.End - range.Start);
        await foreach (var member in MemberItemReader.ReadAsync(segment, array: true, options, cancellationToken).ConfigureAwait(false))
        {
            yield return member;
        }
    }

    private static async Task<Spool> SpoolAsync(Stream body, long? contentLength, SpoolFolder folder, CancellationToken cancellationToken)
    {
        var spool = contentLength is <= InMemorySpoolLimit ? Spool.InMemory() : Spool.OnDisk(folder);
        try
        {
            await body.CopyToAsync(spool.Stream, cancellationToken).ConfigureAwait(false);
            return spool;
        }
        catch
        {
            await spool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Where the members array and the other top-level properties sit in the spooled body.</summary>
    private sealed class Layout
    {
        public (long Start, long End)? Members { get; set; }

        public bool SawMembers { get; set; }

        public List<(long Start, long End)> Others { get; } = [];
    }

    /// <summary>Walks the body's tokens once, recording byte ranges; the members array is skipped, not parsed.</summary>
    private static async Task<Layout> ScanAsync(Spool spool, string membersName, CancellationToken cancellationToken)
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

    private sealed record Header(ListBody? List, bool DryRun, bool RemoveAbsent);

    /// <summary>Reads every property but the members into one small object, with the host's JSON options.</summary>
    private static async Task<Header> ReadHeaderAsync(Spool spool, Layout layout, JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        var size = layout.Others.Sum(r => r.End - r.Start) + layout.Others.Count + 2;
        if (size > MaxHeaderBytes)
        {
            throw new RequestBodyException("body", $"Properties other than members may take at most {MaxHeaderBytes} bytes.");
        }

        var header = new byte[size];
        var position = 0;
        header[position++] = (byte)'{';
        foreach (var (start, end) in layout.Others)
        {
            if (position > 1)
            {
                header[position++] = (byte)',';
            }

            spool.Stream.Position = start;
            await spool.Stream.ReadExactlyAsync(header.AsMemory(position, (int)(end - start)), cancellationToken).ConfigureAwait(false);
            position += (int)(end - start);
        }

        header[position++] = (byte)'}';
        if (!Utf8.IsValid(header.AsSpan(0, position)))
        {
            throw new RequestBodyException("body", "The request body is not valid UTF-8 text.");
        }

        try
        {
            return JsonSerializer.Deserialize<Header>(header.AsSpan(0, position), options)!;
        }
        catch (JsonException ex)
        {
            var field = string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            throw new RequestBodyException(field, $"'{field}' has the wrong JSON type or is malformed.");
        }
    }

}
