using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Mailing.Dispatch.Log;

/// <summary>Options of the log/file transport, configured by <c>AddLogTransport(o =&gt; …)</c>.</summary>
public sealed class LogTransportOptions
{
    /// <summary>
    /// When set, each message is also appended to this file as one JSON line (the folder and file are created
    /// when missing). Relative paths are relative to the process's current directory.
    /// </summary>
    public string? FilePath { get; set; }

    /// <summary>The channels this transport sends. Empty (the default) means every channel.</summary>
    public IList<MessageChannel> Channels { get; } = [];

    /// <summary>How much of a body a log line shows (the file always has all of it). Default 200 characters.</summary>
    [Range(0, 100_000)]
    public int MaxLoggedBodyLength { get; set; } = 200;

    internal bool Handles(MessageChannel channel) => Channels.Count == 0 || Channels.Contains(channel);
}

/// <summary>The DataAnnotations rules of <see cref="LogTransportOptions"/>, checked by a generated validator.</summary>
[OptionsValidator]
internal sealed partial class LogTransportOptionsValidator : IValidateOptions<LogTransportOptions>;
