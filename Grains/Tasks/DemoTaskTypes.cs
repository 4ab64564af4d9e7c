namespace GrainStream.Grains.Tasks;

/// <summary>The task types the built-in demo worker runs.</summary>
public static class DemoTaskTypes
{
    /// <summary>Counts 1..<c>n</c>, one step every <c>delayMs</c>, reporting progress at each step;
    /// payload <c>{ "n": 10, "delayMs": 300 }</c>; result <c>{ "count": n }</c>.</summary>
    public const string Count = "demo.count";

    /// <summary>Sleeps <c>ms</c> milliseconds, reporting progress every 10 %; payload
    /// <c>{ "ms": 2000 }</c>; result <c>{ "sleptMs": ms }</c>.</summary>
    public const string Sleep = "demo.sleep";

    /// <summary>Always fails after <c>delayMs</c> (default 500), to show retries; payload <c>{ "delayMs": 500 }</c>.</summary>
    public const string Fail = "demo.fail";

    /// <summary>All of them.</summary>
    public static IReadOnlyList<string> All { get; } = [Count, Sleep, Fail];
}
