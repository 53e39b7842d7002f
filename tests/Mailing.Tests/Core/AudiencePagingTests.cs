using Mailing.Audiences;

namespace Mailing.Tests.Core;

public sealed class AudiencePagingTests
{
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
}
