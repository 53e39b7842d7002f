using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Unicode;
using Mailing.AspNetCore.RecipientLists;

namespace Mailing.AspNetCore.Http;

/// <summary>
/// Reads the members of a bulk request one at a time, from a JSON array or from NDJSON (one member per line),
/// holding at most one member's bytes: a member may take <see cref="MaxMemberBytes"/> bytes of JSON, whitespace
/// between members (blank lines too) is skipped as it arrives, and each member is checked to be UTF-8 before it
/// is deserialized with the host's options. A malformed or oversized member fails the request naming it by its
/// index in the request (<c>members[12].email</c>).
/// </summary>
internal static class MemberItemReader
{
    /// <summary>The most JSON one member may take; fields have much smaller limits of their own.</summary>
    public const int MaxMemberBytes = 1024 * 1024;

    private const int InitialBuffer = 64 * 1024;

    public static async IAsyncEnumerable<MemberInput> ReadAsync(
        Stream stream, bool array, JsonSerializerOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var reader = new Buffered(stream);
        try
        {
            var readerOptions = new JsonReaderOptions
            {
                CommentHandling = options.ReadCommentHandling == JsonCommentHandling.Allow ? JsonCommentHandling.Skip : options.ReadCommentHandling,
                MaxDepth = options.MaxDepth == 0 ? 64 : options.MaxDepth,
            };
            if (array && !await reader.ExpectAsync((byte)'[', cancellationToken).ConfigureAwait(false))
            {
                throw new RequestBodyException("members", "members must be a JSON array of member objects.");
            }

            for (var index = 0; ; index++)
            {
                if (!await reader.SkipWhitespaceAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (array)
                    {
                        throw Malformed(index);
                    }

                    yield break;
                }

                if (array && reader.Peek() == ']')
                {
                    yield break;
                }

                if (array && index > 0 && !await reader.SkipSeparatorAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw Malformed(index);
                }

                var length = await reader.MeasureValueAsync(readerOptions, index, cancellationToken).ConfigureAwait(false);
                yield return Deserialize(reader.Take(length), index, options);
            }
        }
        finally
        {
            reader.Dispose();
        }
    }

    private static MemberInput Deserialize(ReadOnlySpan<byte> json, int index, JsonSerializerOptions options)
    {
        if (!Utf8.IsValid(json))
        {
            throw new RequestBodyException($"members[{index}]", $"'members[{index}]' is not valid UTF-8 text.");
        }

        try
        {
            return JsonSerializer.Deserialize<MemberItem?>(json, options)?.ToInput() ?? new MemberInput(null, null);
        }
        catch (JsonException ex)
        {
            var field = $"members[{index}]{(ex.Path ?? "$")[1..]}";
            throw new RequestBodyException(field, $"'{field}' has the wrong JSON type or is malformed.");
        }
    }

    private static RequestBodyException Malformed(int index) =>
        new($"members[{index}]", $"'members[{index}]' is malformed JSON (or the members end too early).");

    /// <summary>A window on the stream: the bytes between <c>_start</c> and <c>_end</c> are read and not yet consumed.</summary>
    private sealed class Buffered(Stream stream) : IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(InitialBuffer);
        private int _start;
        private int _end;
        private bool _eof;

        public byte Peek() => _buffer[_start];

        /// <summary>Skips the comma between two array elements and the whitespace after it.</summary>
        public async ValueTask<bool> SkipSeparatorAsync(CancellationToken cancellationToken)
        {
            if (Peek() != ',')
            {
                return false;
            }

            _start++;
            return await SkipWhitespaceAsync(cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Consumes <paramref name="length"/> bytes and returns them (valid until the next read).</summary>
        public ReadOnlySpan<byte> Take(int length)
        {
            var taken = _buffer.AsSpan(_start, length);
            _start += length;
            return taken;
        }

        public async ValueTask<bool> ExpectAsync(byte expected, CancellationToken cancellationToken)
        {
            if (!await SkipWhitespaceAsync(cancellationToken).ConfigureAwait(false) || Peek() != expected)
            {
                return false;
            }

            _start++;
            return true;
        }

        /// <summary>Skips whitespace (and a UTF-8 byte order mark); false at the end of the stream.</summary>
        public async ValueTask<bool> SkipWhitespaceAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                while (_start < _end && _buffer[_start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
                {
                    _start++;
                }

                if (_end - _start >= 3 && _buffer[_start] == 0xEF && _buffer[_start + 1] == 0xBB && _buffer[_start + 2] == 0xBF)
                {
                    _start += 3;
                    continue;
                }

                if (_start < _end)
                {
                    return true;
                }

                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }
            }
        }

        /// <summary>The length of the JSON value starting here, reading more of the stream until it is whole.</summary>
        public async ValueTask<int> MeasureValueAsync(JsonReaderOptions options, int index, CancellationToken cancellationToken)
        {
            while (true)
            {
                if (TryMeasure(options, index) is { } length)
                {
                    return length;
                }

                if (_end - _start >= MaxMemberBytes)
                {
                    throw new RequestBodyException($"members[{index}]", $"'members[{index}]' takes more than {MaxMemberBytes} bytes of JSON.");
                }

                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    // The final block: the reader now reports what is wrong with the value.
                    return TryMeasure(options, index) ?? throw Malformed(index);
                }
            }
        }

        private int? TryMeasure(JsonReaderOptions options, int index)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _eof, new JsonReaderState(options));
            try
            {
                if (!reader.Read())
                {
                    return null;
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                {
                    return null;
                }

                return (int)reader.BytesConsumed;
            }
            catch (JsonException)
            {
                throw Malformed(index);
            }
        }

        /// <summary>Reads more of the stream, keeping the unconsumed bytes; false at its end.</summary>
        private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
        {
            if (_eof)
            {
                return false;
            }

            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                (_end, _start) = (_end - _start, 0);
            }

            if (_end == _buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Min(_buffer.Length * 2, MaxMemberBytes + InitialBuffer));
                _buffer.AsSpan(0, _end).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            _end += read;
            _eof = read == 0;
            return read > 0;
        }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
    }
}
