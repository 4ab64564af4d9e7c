namespace GrainStream;

/// <summary>A timer registered by a grain. Disposing it stops further ticks; it is also stopped
/// when the activation is deactivated.</summary>
public interface IGrainTimer : IDisposable
{
    /// <summary>Changes the due time and period; the next tick is <paramref name="dueTime"/> from now.</summary>
    void Change(TimeSpan dueTime, TimeSpan period);
}

/// <summary>How a grain timer ticks.</summary>
/// <param name="DueTime">Time until the first tick.</param>
/// <param name="Period">Time between the end of one tick and the start of the next;
/// <see cref="Timeout.InfiniteTimeSpan"/> for a single tick.</param>
public readonly record struct GrainTimerCreationOptions(TimeSpan DueTime, TimeSpan Period)
{
    /// <summary>When true the tick may interleave with other turns (like an
    /// <see cref="AlwaysInterleaveAttribute"/> call). Default false: a tick is an exclusive turn.</summary>
    public bool Interleave { get; init; }

    /// <summary>When true a tick counts as activity and keeps the activation from idle collection.
    /// Default false.</summary>
    public bool KeepAlive { get; init; }
}
