using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;

namespace Mailing.Dispatch.Smtp;

/// <summary>
/// Turns a rendered message into MIME: a plain-text part, plus an HTML part when the body is HTML (the text part
/// is then derived from it), the sender, a <c>Message-ID</c> fixed per delivery, <c>Feedback-ID</c>, and for
/// operational and bulk mail the RFC 2369/8058 unsubscribe headers. Non-ASCII names and subjects are encoded by
/// MimeKit (RFC 2047).
/// </summary>
internal static partial class SmtpMessageBuilder
{
    /// <summary>The delivery's message id (without angle brackets); the same for every attempt.</summary>
    public static string MessageId(OutboundMessage message, string domain) =>
        string.Create(CultureInfo.InvariantCulture, $"{message.DeliveryId:N}@{domain}");

    public static MimeMessage Build(
        OutboundMessage message, SmtpTransportOptions options, ListUnsubscribeLinks? unsubscribe, string messageId, DateTimeOffset now)
    {
        var mime = new MimeMessage
        {
            MessageId = messageId,
            Date = now,
            Subject = message.Subject ?? string.Empty,
        };
        mime.From.Add(new MailboxAddress(options.FromName ?? string.Empty, options.FromAddress!));
        mime.To.Add(MailboxAddress.Parse(message.Address));

        // Gmail's feedback loop groups complaints by these fields (campaign, client, stream, sender).
        mime.Headers.Add("Feedback-ID", $"{message.CampaignId:N}:{Sanitize(message.ClientId)}:{StreamName(message.Stream)}:mailing");

        if (message.Stream != MessageStream.Transactional)
        {
            AddUnsubscribeHeaders(mime, options, unsubscribe);
        }

        var body = new BodyBuilder();
        if (IsHtml(message.Body))
        {
            body.HtmlBody = message.Body;
            body.TextBody = ToText(message.Body);
        }
        else
        {
            // Email bodies are rendered HTML-encoded (merged values are escaped); a plain body is its decoded text.
            body.TextBody = WebUtility.HtmlDecode(message.Body);
        }

        mime.Body = body.ToMessageBody();
        return mime;
    }

    private static void AddUnsubscribeHeaders(MimeMessage mime, SmtpTransportOptions options, ListUnsubscribeLinks? unsubscribe)
    {
        var links = new List<string>(2);
        if (unsubscribe is not null)
        {
            links.Add($"<{unsubscribe.OneClickUrl.AbsoluteUri}>");
        }

        if (options.UnsubscribeMailto is { } mailto)
        {
            var subject = unsubscribe?.MailtoToken is { } token ? "?subject=" + Uri.EscapeDataString("unsubscribe " + token) : "?subject=unsubscribe";
            links.Add($"<mailto:{mailto}{subject}>");
        }

        if (links.Count == 0)
        {
            return;
        }

        mime.Headers.Add(HeaderId.ListUnsubscribe, Encoding.ASCII, string.Join(", ", links));
        if (unsubscribe is not null)
        {
            mime.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }
    }

    /// <summary>Whether the body holds HTML markup (a tag), as opposed to plain text.</summary>
    internal static bool IsHtml(string body) => HtmlTag().IsMatch(body);

    /// <summary>A readable plain-text version of an HTML body: block ends become line breaks, links keep their target.</summary>
    internal static string ToText(string html)
    {
        var text = ScriptOrStyle().Replace(html, string.Empty);
        text = Anchor().Replace(text, m =>
        {
            var label = m.Groups["label"].Value;
            var href = m.Groups["href"].Value;
            return string.Equals(StripTags(label).Trim(), href, StringComparison.Ordinal) ? href : $"{label} ({href})";
        });
        text = LineBreak().Replace(text, "\n");
        text = ParagraphEnd().Replace(text, "\n\n");
        text = BlockEnd().Replace(text, "\n");
        text = WebUtility.HtmlDecode(StripTags(text));
        text = SpacesBeforeNewline().Replace(text, "\n");
        text = ManyNewlines().Replace(text, "\n\n");
        return text.Trim();
    }

    private static string StripTags(string html) => AnyTag().Replace(html, string.Empty);

    private static string Sanitize(string value) => value.Replace(':', '_').Replace('\r', '_').Replace('\n', '_');

    private static string StreamName(MessageStream stream) => stream switch
    {
        MessageStream.Transactional => "transactional",
        MessageStream.Operational => "operational",
        _ => "bulk",
    };

    [GeneratedRegex(@"<(?:[a-zA-Z][a-zA-Z0-9]*\b[^>]*|/[a-zA-Z][a-zA-Z0-9]*\s*)>", RegexOptions.CultureInvariant)]
    private static partial Regex HtmlTag();

    [GeneratedRegex(@"<(script|style)\b[^>]*>.*?</\1\s*>", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex ScriptOrStyle();

    [GeneratedRegex(@"<a\b[^>]*\bhref\s*=\s*[""'](?<href>[^""']*)[""'][^>]*>(?<label>.*?)</a\s*>", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex Anchor();

    [GeneratedRegex(@"<br\s*/?>", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex LineBreak();

    [GeneratedRegex(@"</(p|h[1-6]|table|ul|ol|blockquote)\s*>", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex ParagraphEnd();

    [GeneratedRegex(@"</(div|li|tr)\s*>", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex BlockEnd();

    [GeneratedRegex(@"<[^>]*>", RegexOptions.CultureInvariant)]
    private static partial Regex AnyTag();

    [GeneratedRegex(@"[ \t]+\n", RegexOptions.CultureInvariant)]
    private static partial Regex SpacesBeforeNewline();

    [GeneratedRegex(@"\n{3,}", RegexOptions.CultureInvariant)]
    private static partial Regex ManyNewlines();
}
