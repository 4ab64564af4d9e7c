namespace GrainStream.Streams;

/// <summary>The retention of one kind of stream (streams whose namespace is the kind's name); a value
/// left unset falls back to <see cref="StreamRetentionOptions"/>' own.</summary>
public sealed class StreamKindRetention
{
    /// <summary>Counted events a stream of this kind keeps (see <see cref="EventRetention.MaxEvents"/>).</summary>
    public int? MaxEvents { get; set; }

    /// <summary>How long a stream of this kind keeps an event.</summary>
    public TimeSpan? MaxAge { get; set; }

    /// <summary>Comma-separated event names that count against <see cref="MaxEvents"/>; unset or
    /// empty: every event counts.</summary>
    public string? CountedEvents { get; set; }

    /// <summary>Events of any name kept; unset: ten times <see cref="MaxEvents"/> when only some
    /// events count, else <see cref="MaxEvents"/>.</summary>
    public int? MaxTotalEvents { get; set; }
}
