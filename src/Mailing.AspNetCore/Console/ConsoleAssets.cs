using System.Security.Cryptography;
using System.Text;

namespace Mailing.AspNetCore.Console;

/// <summary>The console's files, embedded in this assembly: read once, each with a content hash for its ETag.</summary>
internal sealed class ConsoleAssets
{
    private static readonly Lazy<ConsoleAssets> Shared = new(() => new ConsoleAssets());

    private readonly Dictionary<string, Asset> _assets = new(StringComparer.Ordinal);

    private ConsoleAssets()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        const string prefix = "Mailing.AspNetCore.Console.Assets.";
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var name = resource[prefix.Length..];
            _assets[name] = new Asset(buffer.ToArray(), ContentType(name));
        }

        // One version for all files: a page always loads the script and the style sheet of the same build.
        Version = Hash(Encoding.UTF8.GetBytes(string.Join('\n', _assets.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Key + ":" + a.Value.ETag))))[..12];
    }

    public static ConsoleAssets Instance => Shared.Value;

    /// <summary>Changes whenever any file changes; goes into the files' URLs so browsers may cache them for good.</summary>
    public string Version { get; }

    public Asset? Find(string name) => _assets.GetValueOrDefault(name);

    /// <summary>An unpadded URL-safe base64 SHA-256 of <paramref name="content"/>.</summary>
    public static string Hash(byte[] content) =>
        Convert.ToBase64String(SHA256.HashData(content)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".html" => "text/html; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };

    /// <summary>One file.</summary>
    internal sealed class Asset(byte[] content, string contentType)
    {
        public byte[] Content { get; } = content;

        public string ContentType { get; } = contentType;

        public string ETag { get; } = "\"" + Hash(content)[..16] + "\"";
    }
}
