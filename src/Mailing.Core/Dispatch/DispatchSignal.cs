namespace Mailing.Dispatch;

/// <summary>
/// Wakes the dispatcher's idle loops when work appears in this process (a campaign sent now, resumed, retried),
/// so they need not wait for the next poll. Other replicas find the work at their next poll. Lifetime: singleton.
/// </summary>
internal sealed class DispatchSignal
{
    private TaskCompletionSource _next = NewSource();

    /// <summary>Wakes everyone waiting now.</summary>
    public void Wake() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    /// <summary>Completes at the next <see cref="Wake"/>.</summary>
    public Task WaitAsync() => Volatile.Read(ref _next).Task;

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
