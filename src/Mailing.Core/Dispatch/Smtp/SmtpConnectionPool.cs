using System.Collections.Concurrent;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace Mailing.Dispatch.Smtp;

/// <summary>
/// Reuses connected, authenticated SMTP clients: at most <see cref="SmtpTransportOptions.MaxConnections"/> exist
/// at once (a sender waits for one), each sends one message at a time, and is replaced after
/// <see cref="SmtpTransportOptions.MaxMessagesPerConnection"/> messages, when it idled past
/// <see cref="SmtpTransportOptions.IdleTimeout"/>, or after any failure. Lifetime: the transport's (singleton).
/// </summary>
internal sealed class SmtpConnectionPool(SmtpTransportOptions options, TimeProvider time) : IAsyncDisposable, IDisposable
{
    /// <summary>A connection idle for longer than this is checked with NOOP before it is reused.</summary>
    private static readonly TimeSpan CheckAfter = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _slots = new(options.MaxConnections, options.MaxConnections);
    private readonly ConcurrentStack<Connection> _idle = new();
    private bool _disposed;

    /// <summary>How many connected clients are idle in the pool (tests).</summary>
    internal int IdleCount => _idle.Count;

    /// <summary>Takes a connection (waiting for a free slot), connecting a new one when none is reusable.</summary>
    public async Task<Connection> RentAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (_idle.TryPop(out var pooled))
            {
                if (await UsableAsync(pooled, cancellationToken).ConfigureAwait(false))
                {
                    return pooled;
                }

                await CloseAsync(pooled.Client).ConfigureAwait(false);
            }

            var client = new SmtpClient { Timeout = (int)Math.Min(int.MaxValue, options.MessageTimeout.TotalMilliseconds) };
            try
            {
                await client.ConnectAsync(options.Host!, options.Port, Secure(options.Security), cancellationToken).ConfigureAwait(false);
                if (!string.IsNullOrEmpty(options.UserName))
                {
                    await client.AuthenticateAsync(options.UserName, options.Password ?? string.Empty, cancellationToken).ConfigureAwait(false);
                }
            }
            catch
            {
                await CloseAsync(client).ConfigureAwait(false);
                throw;
            }

            return new Connection(client, time.GetTimestamp());
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    /// <summary>Gives a connection back: kept for reuse when <paramref name="reusable"/>, closed otherwise.</summary>
    public async ValueTask ReturnAsync(Connection connection, bool reusable)
    {
        try
        {
            connection.Sent++;
            connection.LastUsed = time.GetTimestamp();
            if (reusable && !_disposed && connection.Client.IsConnected && connection.Sent < options.MaxMessagesPerConnection)
            {
                _idle.Push(connection);
            }
            else
            {
                await CloseAsync(connection.Client).ConfigureAwait(false);
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        while (_idle.TryPop(out var pooled))
        {
            await CloseAsync(pooled.Client).ConfigureAwait(false);
        }
    }

    /// <summary>Drops the idle connections without saying QUIT (synchronous disposal).</summary>
    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryPop(out var pooled))
        {
            pooled.Client.Dispose();
        }
    }

    private async Task<bool> UsableAsync(Connection pooled, CancellationToken cancellationToken)
    {
        if (!pooled.Client.IsConnected)
        {
            return false;
        }

        var idle = time.GetElapsedTime(pooled.LastUsed);
        if (idle > options.IdleTimeout)
        {
            return false;
        }

        if (idle <= CheckAfter)
        {
            return true;
        }

        try
        {
            await pooled.Client.NoOpAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (SmtpFailures.IsConnectionFailure(e))
        {
            return false;
        }
    }

    private static async Task CloseAsync(SmtpClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await client.DisconnectAsync(quit: true, quit.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (SmtpFailures.IsConnectionFailure(e) || e is OperationCanceledException)
        {
            // Closing a broken connection: nothing to save.
        }
        finally
        {
            client.Dispose();
        }
    }

    private static SecureSocketOptions Secure(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTlsWhenAvailable => SecureSocketOptions.StartTlsWhenAvailable,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };

    /// <summary>One pooled client and its use so far.</summary>
    internal sealed class Connection(SmtpClient client, long lastUsed)
    {
        public SmtpClient Client { get; } = client;

        public int Sent { get; set; }

        public long LastUsed { get; set; } = lastUsed;
    }
}
