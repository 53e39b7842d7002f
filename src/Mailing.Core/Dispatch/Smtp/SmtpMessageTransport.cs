using MailKit.Net.Smtp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailing.Dispatch.Smtp;

/// <summary>
/// Sends email through an SMTP server with MailKit, over a pool of reused connections. The delivery's
/// <c>Message-ID</c> is the provider message id. SMTP replies map to outcomes: 4xx, timeouts and dropped
/// connections are transient, 5xx permanent (the reply is recorded). Singleton; safe for concurrent sends.
/// </summary>
internal sealed partial class SmtpMessageTransport : IMessageTransport, IAsyncDisposable, IDisposable
{
    private readonly SmtpTransportOptions _options;
    private readonly IListUnsubscribeLinks? _unsubscribe;
    private readonly TimeProvider _time;
    private readonly ILogger<SmtpMessageTransport> _logger;
    private readonly SmtpConnectionPool _pool;
    private readonly string _messageIdDomain;

    public SmtpMessageTransport(
        IOptions<SmtpTransportOptions> options, TimeProvider time, ILogger<SmtpMessageTransport> logger, IEnumerable<IListUnsubscribeLinks> unsubscribe)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _unsubscribe = unsubscribe.LastOrDefault();
        _pool = new SmtpConnectionPool(_options, time);
        _messageIdDomain = _options.MessageIdDomain ?? _options.FromAddress![(_options.FromAddress!.LastIndexOf('@') + 1)..];
    }

    public string Name => "smtp";

    /// <summary>The pool (tests).</summary>
    internal SmtpConnectionPool Pool => _pool;

    public bool CanSend(MessageChannel channel) => _options.Handles(channel);

    public async Task<TransportResult> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();

        var messageId = SmtpMessageBuilder.MessageId(message, _messageIdDomain);
        var links = message.Stream == MessageStream.Transactional ? null : _unsubscribe?.Create(message);
        using var mime = SmtpMessageBuilder.Build(message, _options, links, messageId, _time.GetUtcNow());

        using var timeout = new CancellationTokenSource(_options.MessageTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        SmtpConnectionPool.Connection connection;
        try
        {
            connection = await _pool.RentAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (Failure(e, message.DeliveryId, "waiting for or opening a connection", cancellationToken) is { } failure)
        {
            return failure;
        }

        var reusable = false;
        try
        {
            await connection.Client.SendAsync(mime, linked.Token).ConfigureAwait(false);
            reusable = true;
            return new TransportResult.Accepted(messageId);
        }
        catch (Exception e) when (Failure(e, message.DeliveryId, "sending", cancellationToken) is { } failure)
        {
            return failure;
        }
        finally
        {
            await _pool.ReturnAsync(connection, reusable).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => _pool.DisposeAsync();

    public void Dispose() => _pool.Dispose();

    /// <summary>
    /// The outcome of a failure at <paramref name="stage"/>: the per-message timeout and broken connections are transient,
    /// a refusal as its reply code says; <see langword="null"/> for anything else (the caller's cancellation, bugs), which propagates.
    /// </summary>
    private TransportResult? Failure(Exception e, Guid deliveryId, string stage, CancellationToken cancellationToken)
    {
        switch (e)
        {
            case OperationCanceledException when !cancellationToken.IsCancellationRequested:
                return new TransportResult.Transient($"SMTP timed out after {_options.MessageTimeout.TotalSeconds:0.###} s {stage}.");
            case SmtpCommandException refused:
                LogRefused(deliveryId, (int)refused.StatusCode, refused.Message);
                return SmtpFailures.FromReply(refused);
            case not null when SmtpFailures.IsConnectionFailure(e):
                LogConnectionFailed(e, deliveryId);
                return SmtpFailures.FromConnection(e);
            default:
                return null;
        }
    }

    [LoggerMessage(EventId = 2301, Level = LogLevel.Information, Message = "SMTP server refused delivery {DeliveryId}: {Code} {Reply}")]
    private partial void LogRefused(Guid deliveryId, int code, string reply);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Warning, Message = "SMTP connection failed while sending delivery {DeliveryId}")]
    private partial void LogConnectionFailed(Exception exception, Guid deliveryId);
}
