using System.Runtime.CompilerServices;

namespace Mailing.Store.EfCore.RecipientLists;

/// <summary>Enumerates its source once; a second enumeration fails instead of silently seeing nothing.</summary>
internal sealed class ReadOnce<T>(IAsyncEnumerable<T> source) : IAsyncEnumerable<T>
{
    private int _started;

    public IAsyncEnumerator<T> GetAsyncEnumerator(CancellationToken cancellationToken = default) =>
        Interlocked.Exchange(ref _started, 1) == 0
            ? source.GetAsyncEnumerator(cancellationToken)
            : throw new InvalidOperationException(
                "The members of a bulk upsert or reconcile can be read only once; the operation cannot be retried automatically.");
}

/// <summary>Looks at the first items of a stream without losing them.</summary>
internal static class Lookahead
{
    /// <summary>Reads up to <paramref name="count"/> items; returns them and a stream of all items (those read, then the rest).</summary>
    public static async Task<(IReadOnlyList<T> Head, IAsyncEnumerable<T> All)> PeekAsync<T>(IAsyncEnumerable<T> source, int count, CancellationToken cancellationToken)
    {
        var enumerator = source.GetAsyncEnumerator(cancellationToken);
        var head = new List<T>(Math.Min(count, 1024));
        var more = true;
        try
        {
            while (head.Count < count && (more = await enumerator.MoveNextAsync().ConfigureAwait(false)))
            {
                head.Add(enumerator.Current);
            }
        }
        catch
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        if (!more)
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }

        return (head, Continue(head, more ? enumerator : null, cancellationToken));
    }

    private static async IAsyncEnumerable<T> Continue<T>(List<T> head, IAsyncEnumerator<T>? rest, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var item in head)
        {
            yield return item;
        }

        if (rest is null)
        {
            yield break;
        }

        await using (rest.ConfigureAwait(false))
        {
            while (await rest.MoveNextAsync().ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return rest.Current;
            }
        }
    }
}
