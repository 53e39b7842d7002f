using Microsoft.Extensions.Options;

namespace Mailing.DependencyInjection;

/// <summary>The DataAnnotations rules of <see cref="MailingOptions"/>, checked by a generated validator.</summary>
[OptionsValidator]
internal sealed partial class MailingOptionsAnnotationsValidator : IValidateOptions<MailingOptions>;

/// <summary>Rules that relate two options to each other.</summary>
internal sealed class MailingOptionsCrossFieldValidator : IValidateOptions<MailingOptions>
{
    public ValidateOptionsResult Validate(string? name, MailingOptions options) =>
        options.DefaultPageSize > options.MaxPageSize
            ? ValidateOptionsResult.Fail(
                $"{nameof(MailingOptions.DefaultPageSize)} ({options.DefaultPageSize}) must not exceed {nameof(MailingOptions.MaxPageSize)} ({options.MaxPageSize}).")
            : ValidateOptionsResult.Success;
}
