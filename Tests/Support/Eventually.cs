namespace GrainStream.Tests.Support;

/// <summary>Bounded waiting for a condition that becomes true asynchronously (an event arriving,
/// membership converging). Polls briefly; fails with the caller's description, never hangs.</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var started = TimeProvider.System.GetTimestamp();
        while (!await condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) > limit) throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting for: {what}");
            await Task.Delay(10);
        }
    }

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
        => TrueAsync(() => Task.FromResult(condition()), what, timeout);
}
