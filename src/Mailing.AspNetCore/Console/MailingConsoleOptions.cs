namespace Mailing.AspNetCore;

/// <summary>Options of the operator console mapped by <c>MapMailingConsole</c>.</summary>
public sealed class MailingConsoleOptions
{
    /// <summary>
    /// Where the host mapped Mailing's JSON API (<c>MapMailingEndpoints(prefix)</c>); the console calls it from the browser.
    /// Default <c>/api</c>. The request's path base is added in front.
    /// </summary>
    public string ApiPrefix { get; set; } = "/api";

    /// <summary>
    /// A path the console's "Sign out" button POSTs to (with the <c>X-Mailing-Console</c> header) before reloading;
    /// <see langword="null"/> (the default) shows no button.
    /// </summary>
    public string? SignOutPath { get; set; }

    /// <summary>The name in the console's header and title. Default <c>Mailing</c>.</summary>
    public string Title { get; set; } = "Mailing";
}
