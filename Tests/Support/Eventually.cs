namespace GrainStream.Tests.Support;

/// <summary>Bounded waiting for a condition that becomes true asynchronously (an event arriving,
/// membership converging). Polls briefly; fails with the caller's description, never hangs.</summary>
public static class Eventually
{
    public static Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
        => TrueAsync(condition, () => what, timeout);

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
        => TrueAsync(() => Task.FromResult(condition()), () => what, timeout);

    public static Task TrueAsync(Func<bool> condition, Func<string> describe, TimeSpan? timeout = null)
        => TrueAsync(() => Task.FromResult(condition()), describe, timeout);

    /// <summary>Waits for <paramref name="condition"/>; on timeout the message is
    /// <paramref name="describe"/>'s at that moment, so it can tell the state the wait ended in.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, Func<string> describe, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var started = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) > limit) throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting for: {describe()}");
            await Task.Delay(10);
        }
    }
}
