namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Returned by <see cref="MailingServiceCollectionExtensions.AddMailing"/>; store and transport
/// packages hang their <c>Use…</c>/<c>Add…</c> extensions off it.
/// </summary>
public sealed class MailingBuilder
{
    internal MailingBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection Mailing registers into.</summary>
    public IServiceCollection Services { get; }
}
