using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Unicode;
using Mailing.AspNetCore.RecipientLists;
using Microsoft.AspNetCore.Http;

namespace Mailing.AspNetCore.Http;

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
            var layout = await MembershipBodyScanner.ScanAsync(spool, MembersPropertyName(options), cancellationToken).ConfigureAwait(false);
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

    private sealed record Header(ListBody? List, bool DryRun, bool RemoveAbsent);

    /// <summary>Reads every property but the members into one small object, with the host's JSON options.</summary>
    private static async Task<Header> ReadHeaderAsync(Spool spool, MembershipBodyScanner.Layout layout, JsonSerializerOptions options, CancellationToken cancellationToken)
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
