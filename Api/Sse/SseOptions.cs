namespace GrainStream.Api.Sse;

/// <summary>Server-Sent Events settings, bound from the <c>Sse</c> configuration section.</summary>
public sealed class SseOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Sse";

    /// <summary>The reconnection delay sent to clients as the first field (<c>retry:</c>) of every
    /// stream and again when a stream is cut off. Default 3,000 ms.</summary>
    public int RetryMilliseconds { get; set; } = 3000;

    /// <summary>How often every open stream gets a comment line (<c>: hb</c>), so that proxies and
    /// browsers do not time out an idle stream and a dead peer is noticed. Default 15 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Writes event streams' bodies straight to the socket (as HTTP/1.1 chunks) once Kestrel has
    /// handed the response head and the replayed history to the kernel, on plain-text HTTP/1.1
    /// connections of Kestrel's socket transport whose first request is the event stream; other
    /// streams go through Kestrel. Saves Kestrel's output pipeline per event and connection, about a
    /// fifth of a fan-out's CPU. Turning it off also leaves Kestrel's connections as they are (no
    /// <see cref="OrderedSocketOutput"/> in between). Default true.</summary>
    public bool DirectSocketWrites { get; set; } = true;

    /// <summary>With <see cref="DirectSocketWrites"/> on Linux, a fan-out hands its sends to the kernel
    /// in batches of up to 64 through io_uring, one system call per batch instead of one per
    /// connection (~1 µs of CPU less per delivery); where io_uring is unavailable it sends one by one.
    /// Default true.</summary>
    public bool BatchedSocketSends { get; set; } = true;

    /// <summary>How long a send straight to a connection's socket may wait for the client to take
    /// the bytes before the connection is closed and its memory freed. Direct sends bypass Kestrel's
    /// <c>MinResponseDataRate</c>, so without it a client that stops reading (its TCP window closed)
    /// would hold its connection, queue and unsent bytes forever. Default 30 s.</summary>
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>When the node shuts down (SIGTERM), each open stream ends with a <c>retry:</c> of
    /// <see cref="RetryMilliseconds"/> plus a random part of this spread, so that its clients come
    /// back over this time instead of all at once; streams asked for meanwhile get 503 with
    /// <c>Retry-After</c>. Default 10 s (10,000 clients: ~1,000 reconnects per second).</summary>
    public TimeSpan DrainReconnectSpread { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Frames a connection may have queued before it is cut off (or, for latest-wins
    /// streams such as quotes, before its oldest queued frame is dropped). Default 1,024.</summary>
    public int QueueCapacity { get; set; } = 1024;

    /// <summary>Recent frames each stream relay keeps (already encoded) so that a reconnecting client
    /// resumes without a round trip to the stream's history. Default 512.</summary>
    public int RelayBufferSize { get; set; } = 512;

    /// <summary>How long a stream relay stays subscribed after its last connection left, so that a
    /// reconnect (or a page reload) finds it warm. Default 10 s.</summary>
    public TimeSpan RelayLinger { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Events read per round trip when a resume reaches back further than the relay's
    /// buffer. Default 512.</summary>
    public int HistoryPageSize { get; set; } = 512;

    /// <summary>About how many bytes of history a resume reads and writes at a time (pages shrink to
    /// fit when events are large, and the response is flushed, with back-pressure, at this size).
    /// Default 1 MiB.</summary>
    public int HistoryPageBytes { get; set; } = 1 << 20;

    /// <summary>Event streams one client (<c>Limits.ClientKey</c>: its address) may hold open at
    /// once; one more is answered 429 with <c>Retry-After</c>. 0 or less: no limit. Default 20,000:
    /// twice the 10,000 streams the fan-out benchmark opens from 127.0.0.1, so that streams cut off
    /// and reopened while the old ones are still counted do not hit it, while one address cannot
    /// hold more than about 230 MB of idle streams. An address may be a NAT or proxy shared by
    /// many browsers: lower it only where clients have addresses of their own.</summary>
    public int MaxConnectionsPerClient { get; set; } = 20_000;

    /// <summary>Most topics on one <c>/api/events</c> connection. Default 32.</summary>
    public int MaxTopics { get; set; } = 32;

    /// <summary>How long the grains keep a node's reported presence (chat users, queue consumers)
    /// without a renewal; the node renews every third of it. A node that dies leaves no ghosts
    /// after this. Default 30 s.</summary>
    public TimeSpan PresenceLease { get; set; } = TimeSpan.FromSeconds(30);
}
