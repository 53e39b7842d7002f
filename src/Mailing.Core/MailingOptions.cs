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

    /// <summary>
    /// How many per-item results a bulk upsert or reconcile reports in full. Past it (items received
    /// plus members removed), the result lists only the items worth reading — everything except
    /// <c>added</c> and <c>unchanged</c> — and the counts cover the rest. Default 10,000.
    /// </summary>
    [Range(1, 100_000_000)]
    public int ItemDetailLimit { get; set; } = 10_000;

    /// <summary>
    /// Recipients per page of an audience run (<see cref="Audiences.IAudiencePager"/>). Default 1000.
    /// Never rejected: 0 or negative means the default, more than <see cref="Audiences.AudiencePaging.MaxPageSize"/>
    /// means that maximum (see <see cref="Audiences.AudiencePaging.ClampPageSize"/>).
    /// </summary>
    public int AudiencePageSize { get; set; } = Audiences.AudiencePaging.DefaultPageSize;
}
