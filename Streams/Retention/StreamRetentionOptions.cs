using Orleans.Runtime;

namespace GrainStream.Streams;

/// <summary>How long stream histories are kept: by count and by age, per kind of stream (its
/// namespace: <c>chat</c>, <c>stock</c>, <c>log</c>, <c>task</c>, <c>tasks</c>, <c>queue</c>).
/// Configuration: <c>GrainStream:Streams:Retention</c> (e.g. <c>…:Retention:MaxAge</c>,
/// <c>…:Retention:Kinds:chat:MaxEvents</c>).</summary>
/// <remarks>
/// <para>The defaults: any stream keeps its last 10,000 events for at most 30 days. A chat room keeps
/// its last 10,000 <c>message</c> events for a year; its <c>read</c> and <c>presence</c> events do not
/// count (they are superseded by the next one of their user and are not the room's message history), up
/// to 100,000 events in all. A stock keeps 1,000 quotes for a day (a quote is stale within seconds;
/// the stock's state holds its day). A log file's stream keeps 10,000 lines for 7 days (the file
/// itself is the history). A message queue's own log (<c>queue-messages</c>) has no limit: the queue
/// trims it of acked messages itself.</para>
/// <para>The hub of a stream trims its log after every <see cref="EventRetention.TrimEvery"/> events it
/// committed, in the background, so appends do not wait for it; every silo also sweeps all streams
/// every <see cref="SweepInterval"/> (age limits of idle streams). A trim deletes at most
/// <see cref="TrimBatchSize"/> events per transaction.</para>
/// </remarks>
public sealed class StreamRetentionOptions
{
    /// <summary>Events a stream keeps unless its kind says otherwise. Default 10,000.</summary>
    public int MaxEvents { get; set; } = 10_000;

    /// <summary>How long a stream keeps an event unless its kind says otherwise; zero: no age limit. Default 30 days.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often every silo sweeps all streams' logs; zero: no sweep (hubs still trim by count). Default 1 hour.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most events one trim deletes in one transaction; a longer trim takes several, so
    /// appends are not held up behind one large delete. Default 5,000.</summary>
    public int TrimBatchSize { get; set; } = 5_000;

    /// <summary>Retention per stream kind (the stream's namespace). The defaults are listed on the class.</summary>
    public Dictionary<string, StreamKindRetention> Kinds { get; set; } = new(StringComparer.Ordinal)
    {
        ["chat"] = new() { MaxEvents = 10_000, MaxAge = TimeSpan.FromDays(365), CountedEvents = "message", MaxTotalEvents = 100_000 },
        ["stock"] = new() { MaxEvents = 1_000, MaxAge = TimeSpan.FromDays(1) },
        ["log"] = new() { MaxEvents = 10_000, MaxAge = TimeSpan.FromDays(7) },
        // A queue's message log holds unacked messages: nothing may cut it but the queue's own trim of what is acked.
        ["queue-messages"] = new() { MaxEvents = int.MaxValue, MaxAge = TimeSpan.Zero },
    };

    /// <summary>The retention of <paramref name="streamId"/>, by its namespace.</summary>
    public EventRetention For(StreamId streamId) => For(streamId.GetNamespace() ?? "");

    /// <summary>The retention of the streams of kind (namespace) <paramref name="kind"/>.</summary>
    public EventRetention For(string kind)
    {
        var specific = Kinds.GetValueOrDefault(kind);
        var maxEvents = Math.Max(1, specific?.MaxEvents ?? MaxEvents);
        string[] counted = specific?.CountedEvents is { } names
            ? names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        var maxTotal = specific?.MaxTotalEvents ?? (counted.Length == 0 ? maxEvents : 10L * maxEvents);
        return new EventRetention(maxEvents, counted, Math.Max(maxEvents, maxTotal), specific?.MaxAge ?? MaxAge);
    }
}
