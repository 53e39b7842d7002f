using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Mailing.AspNetCore.Http;

/// <summary>
/// Holds the bulk-upsert and reconcile endpoints to <see cref="MailingEndpointOptions.MaxConcurrentMembershipRequests"/>
/// requests at a time in this process; one instance is shared by both. A request past the limit gets 503 with
/// <c>Retry-After</c> before its body is read.
/// </summary>
internal sealed class MembershipConcurrencyFilter(IOptions<MailingEndpointOptions> options) : IEndpointFilter
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);
    private int _running;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var limit = options.Value.MaxConcurrentMembershipRequests;
        if (limit <= 0)
        {
            return await next(context).ConfigureAwait(false);
        }

        if (Interlocked.Increment(ref _running) > limit)
        {
            Interlocked.Decrement(ref _running);
            return Problems.Unavailable(
                context.HttpContext, RetryAfter, "Too many bulk requests.", $"This server works on at most {limit} bulk upserts and reconciles at a time; retry shortly.");
        }

        try
        {
            return await next(context).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _running);
        }
    }
}
