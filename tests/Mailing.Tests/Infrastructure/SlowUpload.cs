using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Mailing.Tests.Infrastructure;

/// <summary>Signals when the app first reads the body of a bulk request (reconcile or bulk upsert).</summary>
internal sealed class SignalFirstBodyRead(TaskCompletionSource signal) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, following) =>
        {
            if (context.Request.Path.Value?.EndsWith("/reconcile", StringComparison.Ordinal) == true
                || context.Request.Path.Value?.EndsWith("/bulk-upsert", StringComparison.Ordinal) == true)
            {
                context.Request.Body = new SignalingStream(context.Request.Body, signal);
            }

            await following(context);
        });
        next(app);
    };
}

internal sealed class SignalingStream(Stream inner, TaskCompletionSource signal) : Stream
{
    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = inner.ReadAsync(buffer, cancellationToken);
        signal.TrySetResult();
        return await read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>An NDJSON body sent in two parts: the second only once <c>release</c> completes.</summary>
internal sealed class HeldBackContent : HttpContent
{
    private readonly string first;
    private readonly Task release;
    private readonly string second;

    public HeldBackContent(string first, Task release, string second)
    {
        (this.first, this.release, this.second) = (first, release, second);
        Headers.ContentType = new("application/x-ndjson");
    }

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await stream.WriteAsync(Encoding.UTF8.GetBytes(first));
        await stream.FlushAsync();
        await release;
        await stream.WriteAsync(Encoding.UTF8.GetBytes(second));
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
