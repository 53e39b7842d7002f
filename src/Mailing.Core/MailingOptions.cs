using System.ComponentModel.DataAnnotations;

namespace Mailing;

/// <summary>Options of the Mailing core, configured through <c>services.AddMailing(o => …)</c>.</summary>
public sealed class MailingOptions
{
    /// <summary>Page size of keyset listings when the caller gives none. Default 100.</summary>
    [Range(1, 10_000)]
    public int DefaultPageSize { get; set; } = 100;

    /// <summary>Largest page size a caller may ask for. Default 1000.</summary>
    [Range(1, 10_000)]
    public int MaxPageSize { get; set; } = 1000;
}
