namespace GrainStream.Streams;

/// <summary>How much of one stream's history its log keeps: resolved from
/// <see cref="StreamRetentionOptions"/> for the stream's kind (its namespace).</summary>
/// <remarks>A trim only ever cuts a prefix of the history (everything before one sequence), so what is
/// kept stays one contiguous range and a position older than it is exactly "history truncated".</remarks>
/// <param name="MaxEvents">Counted events kept: the history is cut just before the
/// <paramref name="MaxEvents"/>-th newest counted event.</param>
/// <param name="CountedEvents">The event names that count against <paramref name="MaxEvents"/>; empty:
/// every event counts. Uncounted events (a chat room's <c>read</c> and <c>presence</c>) never push a
/// counted one out; they go with the prefix they sit in, by age, or past <paramref name="MaxTotalEvents"/>.</param>
/// <param name="MaxTotalEvents">Events of any name kept, a ceiling against a flood of uncounted events
/// (at least <paramref name="MaxEvents"/>).</param>
/// <param name="MaxAge">Events older than this are trimmed; <see cref="TimeSpan.Zero"/> or less: no age limit.</param>
public sealed record EventRetention(long MaxEvents, IReadOnlyList<string> CountedEvents, long MaxTotalEvents, TimeSpan MaxAge)
{
    /// <summary>Whether every event counts against <see cref="MaxEvents"/>.</summary>
    public bool CountsEveryEvent => CountedEvents.Count == 0;

    /// <summary>Whether <paramref name="eventName"/> counts against <see cref="MaxEvents"/>.</summary>
    public bool Counts(string eventName) => CountsEveryEvent || CountedEvents.Contains(eventName, StringComparer.Ordinal);

    /// <summary>The oldest timestamp an event may have at <paramref name="now"/> to be kept, or null without an age limit.</summary>
    public DateTimeOffset? OldestKept(DateTimeOffset now) => MaxAge > TimeSpan.Zero ? now - MaxAge : null;

    /// <summary>How many events a stream's hub lets through between two trims: a tenth of the
    /// smaller limit, so a growing stream holds at most about 10% more than its limits and pays for a
    /// trim once per tenth of its retention instead of on every append.</summary>
    public long TrimEvery => Math.Max(1, Math.Min(MaxEvents, MaxTotalEvents) / 10);

    /// <summary>The first sequence to keep of a history held in memory (oldest first), by the same
    /// rules the database logs apply in SQL.</summary>
    public long KeepFrom(IReadOnlyList<StreamEvent> events, long lastSequence, DateTimeOffset now)
    {
        var keepFrom = events.Count > 0 ? events[0].Position.Sequence : lastSequence + 1;
        long counted = 0;
        for (var i = events.Count - 1; i >= 0; i--)
        {
            var total = events.Count - i;
            if (events[i].EventName is var name && Counts(name) && ++counted == MaxEvents || total == MaxTotalEvents)
            {
                keepFrom = Math.Max(keepFrom, events[i].Position.Sequence);
                break;
            }
        }
        if (OldestKept(now) is { } oldest)
        {
            var young = events.FirstOrDefault(e => e.Timestamp >= oldest);
            keepFrom = Math.Max(keepFrom, young?.Position.Sequence ?? lastSequence + 1);
        }
        return keepFrom;
    }
}
