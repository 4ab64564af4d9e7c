namespace GrainStream.Grains.Tasks;

/// <summary>Wakes every waiter at once; a wait also ends after a timeout. Waiters take the
/// <see cref="Current"/> wait before they look for work, so that a signal given meanwhile is not missed.</summary>
internal sealed class WakeSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Set"/>.</summary>
    public Task Current => Volatile.Read(ref _next).Task;

    /// <summary>Wakes the current waiters.</summary>
    public void Set() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Waits for <paramref name="wake"/> (from <see cref="Current"/>) or the timeout, whichever comes first.</summary>
    public static async Task WaitAsync(Task wake, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await wake.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
    }
}
