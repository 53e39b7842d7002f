using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Mailing.Tests.Core;

public sealed class MailingOptionsTests
{
    [Fact]
    public void Invalid_options_fail_validation_listing_every_error()
    {
        using var services = new ServiceCollection()
            .AddLogging()
            .AddMailing(o => (o.DefaultPageSize, o.MaxPageSize) = (0, 5)).Services
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<MailingOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains(nameof(MailingOptions.DefaultPageSize), StringComparison.Ordinal));
    }

    [Fact]
    public void A_default_page_size_above_the_maximum_is_rejected()
    {
        using var services = new ServiceCollection()
            .AddLogging()
            .AddMailing(o => (o.DefaultPageSize, o.MaxPageSize) = (500, 100)).Services
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<MailingOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains(nameof(MailingOptions.MaxPageSize), StringComparison.Ordinal));
    }

    [Fact]
    public void AddMailing_can_be_called_twice()
    {
        var collection = new ServiceCollection().AddLogging();
        collection.AddMailing();
        collection.AddMailing(o => o.DefaultPageSize = 50);

        using var services = collection.BuildServiceProvider();

        Assert.Equal(50, services.GetRequiredService<IOptions<MailingOptions>>().Value.DefaultPageSize);
        Assert.Single(collection, d => d.ServiceType == typeof(Mailing.RecipientLists.IRecipientListService));
    }
}
