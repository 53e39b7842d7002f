namespace Mailing.Audiences;

/// <summary>Page-size rules of audience runs (<see cref="IAudiencePager"/>).</summary>
public static class AudiencePaging
{
    /// <summary>The page size when none (or 0, or a negative one) is configured: 1000.</summary>
    public const int DefaultPageSize = 1000;

    /// <summary>The smallest page size: 1.</summary>
    public const int MinPageSize = 1;

    /// <summary>The largest page size: 10,000. Larger requests are clamped to it.</summary>
    public const int MaxPageSize = 10_000;

    /// <summary>
    /// Clamps a requested page size: <see langword="null"/>, 0 or negative → <see cref="DefaultPageSize"/>;
    /// above <see cref="MaxPageSize"/> → <see cref="MaxPageSize"/>; otherwise the request.
    /// </summary>
    public static int ClampPageSize(int? requested) =>
        requested is not { } size || size < MinPageSize ? DefaultPageSize : Math.Min(size, MaxPageSize);
}
