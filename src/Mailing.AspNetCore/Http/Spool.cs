namespace Mailing.AspNetCore.Http;

/// <summary>
/// The folder of the spooled bodies, the app's own (<see cref="MailingEndpointOptions.TemporaryDirectory"/>). Files a
/// crash left behind are deleted when the endpoints are mapped, at start. Attached to the endpoints as metadata.
/// </summary>
internal sealed class SpoolFolder
{
    public const string FilePrefix = "mailing-body-";

    private SpoolFolder(string path) => Path = path;

    public string Path { get; }

    /// <summary>Creates the folder, or empties it of earlier runs' bodies (files another process still holds open are left).</summary>
    public static SpoolFolder Prepare(string path)
    {
        Directory.CreateDirectory(path);
        foreach (var file in Directory.EnumerateFiles(path, FilePrefix + "*"))
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return new SpoolFolder(path);
    }

    /// <summary>The default: a folder of its own per application under the system's temporary folder.</summary>
    public static string DefaultPath(string applicationName) =>
        System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mailing", string.Concat(applicationName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')));
}

/// <summary>A request body kept aside for a second read: in memory when small, else in a temporary file deleted on dispose.</summary>
internal sealed class Spool : IAsyncDisposable
{
    private Spool(Stream stream) => Stream = stream;

    public Stream Stream { get; }

    public static Spool InMemory() => new(new MemoryStream());

    public static Spool OnDisk(SpoolFolder folder) => new(new FileStream(
        Path.Combine(folder.Path, $"{SpoolFolder.FilePrefix}{Guid.NewGuid():N}.json"),
        FileMode.CreateNew,
        FileAccess.ReadWrite,
        FileShare.None,
        bufferSize: 64 * 1024,
        FileOptions.Asynchronous | FileOptions.DeleteOnClose | FileOptions.SequentialScan));

    /// <summary>A read-only view of <paramref name="length"/> bytes from <paramref name="start"/>; the spool's only reader while open.</summary>
    public Stream OpenSegment(long start, long length)
    {
        Stream.Position = start;
        return new Segment(Stream, length);
    }

    public ValueTask DisposeAsync() => Stream.DisposeAsync();

    private sealed class Segment(Stream inner, long size) : Stream
    {
        private readonly long _size = size;
        private long _remaining = size;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _size;

        public override long Position { get => _size - _remaining; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_remaining <= 0)
            {
                return 0;
            }

            var read = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken).ConfigureAwait(false);
            _remaining -= read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, (int)Math.Min(count, _remaining));
            _remaining -= read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        // The segment does not own the spool's stream: disposing it leaves the spool open.
        protected override void Dispose(bool disposing) => base.Dispose(disposing);
    }
}
