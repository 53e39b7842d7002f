using Microsoft.Extensions.Options;

namespace Mailing.Dispatch.Http;

/// <summary>The DataAnnotations rules of <see cref="HttpTransportOptions"/>, checked by a generated validator.</summary>
[OptionsValidator]
internal sealed partial class HttpTransportOptionsAnnotationsValidator : IValidateOptions<HttpTransportOptions>;

/// <summary>Rules that relate options to each other (and to what the standard resilience pipeline accepts).</summary>
internal sealed class HttpTransportOptionsCrossFieldValidator : IValidateOptions<HttpTransportOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpTransportOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        if (options.BaseUrl is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            builder.AddError("must be an absolute http or https address.", nameof(HttpTransportOptions.BaseUrl));
        }

        if (options.TotalTimeout <= options.AttemptTimeout)
        {
            builder.AddError(
                $"({options.TotalTimeout}) must be longer than {nameof(HttpTransportOptions.AttemptTimeout)} ({options.AttemptTimeout}).",
                nameof(HttpTransportOptions.TotalTimeout));
        }

        if (options.CircuitBreakerSamplingDuration < 2 * options.AttemptTimeout)
        {
            builder.AddError(
                $"({options.CircuitBreakerSamplingDuration}) must be at least twice {nameof(HttpTransportOptions.AttemptTimeout)} ({options.AttemptTimeout}).",
                nameof(HttpTransportOptions.CircuitBreakerSamplingDuration));
        }

        return builder.Build();
    }
}
