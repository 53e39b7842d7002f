using Mailing.Audiences;

namespace Mailing.Tests.Core;

public sealed class AudiencePagingTests
{
    [Theory]
    [InlineData(2500, 1000, new[] { 1000, 1000, 500 })]
    [InlineData(2000, 1000, new[] { 1000, 1000 })]
    [InlineData(1500, 1000, new[] { 1000, 500 })]
    [InlineData(1, 1000, new[] { 1 })]
    [InlineData(7, 3, new[] { 3, 3, 1 })]
    public void Split_cuts_consecutive_pages_with_the_rest_on_the_last(int count, int size, int[] expected)
    {
        var ids = Enumerable.Range(0, count).ToArray();

        var pages = AudiencePaging.Split(ids, size);

        Assert.Equal(expected, pages.Select(p => p.Count));
        Assert.Equal(ids, pages.SelectMany(p => p));
    }

    [Fact]
    public void Split_of_nothing_is_no_pages()
    {
        Assert.Empty(AudiencePaging.Split(Array.Empty<Guid>(), 1000));
        Assert.Empty(AudiencePaging.Split(ReadOnlyMemory<Guid>.Empty, 1000));
    }

    [Fact]
    public void Split_pages_are_views_over_the_input_not_copies()
    {
        var ids = Enumerable.Range(0, 2500).ToArray();

        var pages = AudiencePaging.Split(ids, 1000);

        Assert.All(pages, p => Assert.Same(ids, p.Array));
        Assert.Equal([0, 1000, 2000], pages.Select(p => p.Offset));
    }

    [Fact]
    public void Split_of_memory_has_the_same_pages_as_split_of_an_array()
    {
        var ids = Enumerable.Range(0, 2500).ToArray();

        var pages = AudiencePaging.Split(new ReadOnlyMemory<int>(ids), 1000);

        Assert.Equal([1000, 1000, 500], pages.Select(p => p.Length));
        Assert.Equal(2000, pages[2].Span[0]);
    }

    [Theory]
    [InlineData(null, 1000)]
    [InlineData(0, 1000)]
    [InlineData(-5, 1000)]
    [InlineData(int.MinValue, 1000)]
    [InlineData(1, 1)]
    [InlineData(250, 250)]
    [InlineData(10_000, 10_000)]
    [InlineData(10_001, 10_000)]
    [InlineData(int.MaxValue, 10_000)]
    public void Page_sizes_are_clamped_to_documented_bounds(int? requested, int expected)
    {
        Assert.Equal(expected, AudiencePaging.ClampPageSize(requested));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Split_with_a_nonsense_size_uses_the_default(int size)
    {
        Assert.Equal([1000, 500], AudiencePaging.Split(new int[1500], size).Select(p => p.Count));
    }
}
