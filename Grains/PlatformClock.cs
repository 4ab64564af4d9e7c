namespace GrainStream.Grains;

/// <summary>The platform's clock: the keyed <see cref="TimeProvider"/> its grains and the API read
/// business time from (message times, leases, presence). Keyed, not the process's plain
/// <see cref="TimeProvider"/>, because Orleans runs its own timers and failure detection on that
/// one: a test that moves the platform's clock by hand must not stop the silo's.</summary>
public static class PlatformClock
{
    /// <summary>The service key; <c>TimeProvider.System</c> unless the host registers another.</summary>
    public const string Key = "grainstream";
}
