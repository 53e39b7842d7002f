using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using MimeKit;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Mailing.Tests.Infrastructure;

/// <summary>A real SMTP server (the SmtpServer package) on 127.0.0.1 and a free port, keeping what it receives.</summary>
public sealed class TestSmtpServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly SmtpServer.SmtpServer _server;
    private readonly Store _store;
    private readonly StrongBox<int> _sessions;

    private TestSmtpServer(int port, SmtpServer.SmtpServer server, Store store, CancellationTokenSource stop, StrongBox<int> sessions)
    {
        _sessions = sessions;
        Port = port;
        _server = server;
        _store = store;
        _stop = stop;
    }

    public int Port { get; }

    /// <summary>Messages accepted, with their raw bytes.</summary>
    public IReadOnlyList<Received> Messages => [.. _store.Messages];

    /// <summary>Connections opened so far.</summary>
    public int Sessions => Volatile.Read(ref _sessions.Value);

    /// <summary>What the server answers after DATA; 250 by default.</summary>
    public (int Code, string Text) Reply
    {
        get => _store.Reply;
        set => _store.Reply = value;
    }

    public static async Task<TestSmtpServer> StartAsync()
    {
        var started = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeners = new EndpointListenerFactory();
        listeners.EndpointStarted += (_, e) => started.TrySetResult(((IPEndPoint)e.LocalEndPoint).Port);
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(b => b.Endpoint(new IPEndPoint(IPAddress.Loopback, 0)))
            .Build();
        var store = new Store();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(listeners);
        services.Add(store);
        var server = new SmtpServer.SmtpServer(options, services);
        var stop = new CancellationTokenSource();
        var sessions = new StrongBox<int>();
        server.SessionCreated += (_, _) => Interlocked.Increment(ref sessions.Value);
        _ = server.StartAsync(stop.Token);
        var port = await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return new TestSmtpServer(port, server, store, stop, sessions);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _server.Shutdown();
        await _server.ShutdownTask.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    public sealed record Received(string From, IReadOnlyList<string> To, byte[] Raw)
    {
        public MimeMessage Message() => MimeMessage.Load(new MemoryStream(Raw));

        public string Text => Encoding.UTF8.GetString(Raw);
    }

    private sealed class Store : MessageStore
    {
        public ConcurrentQueue<Received> Messages { get; } = new();

        public (int Code, string Text) Reply { get; set; } = (250, "Ok");

        public override Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var (code, text) = Reply;
            if (code != 250)
            {
                return Task.FromResult(new SmtpResponse((SmtpReplyCode)code, text));
            }

            Messages.Enqueue(new Received(Address(transaction.From), [.. transaction.To.Select(Address)], buffer.ToArray()));
            return Task.FromResult(SmtpResponse.Ok);
        }

        private static string Address(SmtpServer.Mail.IMailbox mailbox) => $"{mailbox.User}@{mailbox.Host}";
    }
}

/// <summary>A hand-scripted SMTP peer for faults a real server does not produce on demand.</summary>
public sealed class ScriptedSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ScriptedSmtpServer(Fault fault)
    {
        _listener.Start();
        _loop = Task.Run(() => AcceptAsync(fault, _stop.Token));
    }

    public enum Fault
    {
        /// <summary>Answers the greeting with 421 and closes.</summary>
        Greeting421,

        /// <summary>Accepts DATA, reads part of the message, then closes the connection.</summary>
        DropMidData,
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop.ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task AcceptAsync(Fault fault, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            using var socket = await _listener.AcceptTcpClientAsync(cancellationToken);
            await using var stream = socket.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII);
            async Task Write(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), cancellationToken);
            if (fault == Fault.Greeting421)
            {
                await Write("421 4.3.2 Service not available, closing transmission channel");
                continue;
            }

            await Write("220 localhost ESMTP");
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                var verb = line.Split(' ')[0].ToUpperInvariant();
                if (verb == "EHLO")
                {
                    await Write("250 localhost");
                }
                else if (verb == "DATA")
                {
                    await Write("354 Start mail input");
                    await reader.ReadLineAsync(cancellationToken);
                    break; // drop the connection mid-DATA
                }
                else if (verb == "QUIT")
                {
                    await Write("221 Bye");
                    break;
                }
                else
                {
                    await Write("250 Ok");
                }
            }
        }
    }
}
