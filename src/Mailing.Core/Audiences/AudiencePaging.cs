namespace Mailing.Audiences;

/// <summary>Page-size rules and the pure page splitter of audience runs (seed 003's semantics).</summary>
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

    /// <summary>
    /// Splits <paramref name="items"/> into consecutive pages of <paramref name="size"/> (clamped by
    /// <see cref="ClampPageSize"/>); the last page holds the rest. 2500 items of 1000 → 1000, 1000, 500;
    /// an exact multiple has no empty trailing page; no items → no pages. Page <c>i</c> of the result is page
    /// number <c>i + 1</c>. The pages are views over <paramref name="items"/>: the only allocation is the
    /// array of pages.
    /// </summary>
    public static ArraySegment<T>[] Split<T>(T[] items, int size)
    {
        ArgumentNullException.ThrowIfNull(items);
        var pageSize = ClampPageSize(size);
        var pages = new ArraySegment<T>[(items.Length + pageSize - 1) / pageSize];
        for (var i = 0; i < pages.Length; i++)
        {
            var offset = i * pageSize;
            pages[i] = new ArraySegment<T>(items, offset, Math.Min(pageSize, items.Length - offset));
        }

        return pages;
    }

    /// <inheritdoc cref="Split{T}(T[], int)"/>
    public static ReadOnlyMemory<T>[] Split<T>(ReadOnlyMemory<T> items, int size)
    {
        var pageSize = ClampPageSize(size);
        var pages = new ReadOnlyMemory<T>[(items.Length + pageSize - 1) / pageSize];
        for (var i = 0; i < pages.Length; i++)
        {
            var offset = i * pageSize;
            pages[i] = items.Slice(offset, Math.Min(pageSize, items.Length - offset));
        }

        return pages;
    }
}
