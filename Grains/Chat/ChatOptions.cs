namespace GrainStream.Grains.Chat;

/// <summary>Chat room settings, bound from the <c>Chat</c> configuration section.</summary>
public sealed class ChatOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Chat";

    /// <summary>Most recent messages each active room keeps in memory to answer history calls
    /// without reading the stream log. Default 1,000 (the largest history page).</summary>
    public int MessageCacheSize { get; set; } = 1000;

    /// <summary>How many recent <c>clientId</c>s a room remembers to recognise a repeated post.
    /// Default 10,000. A repeated post is also recognised only while its message is still in the
    /// stream's retained history.</summary>
    public int IdempotencyWindow { get; set; } = 10_000;

    /// <summary>Messages a room posts between two writes of its state (counters and last id). The
    /// messages themselves are in the stream history the moment they are posted; the state is a
    /// checkpoint of what was counted, also written when the room deactivates or records a read
    /// receipt. A room that dies in between recounts the rest from the history when it comes back,
    /// so this must stay well below the history's retention. Default 64; 1 writes on every post.</summary>
    public int MessagesPerStateWrite { get; set; } = 64;

    /// <summary>Users whose read receipts a room keeps: a receipt from one more user forgets the user
    /// whose receipt moved least recently (the state, written whole on every receipt, and the
    /// summary, which lists them all, stay small however many users pass through). Default 1,000.</summary>
    public int MaxReadReceipts { get; set; } = 1000;

    /// <summary>Events read per round trip when a room rebuilds itself from its stream history. Default 1,000.</summary>
    public int HistoryReadBatch { get; set; } = 1000;

    /// <summary>Longest time between two presence sweeps; leases are also checked exactly when the
    /// earliest one expires. Default 1 s.</summary>
    public TimeSpan PresenceSweepInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest presence lease a node may ask for. Default 5 min.</summary>
    public TimeSpan MaxPresenceLease { get; set; } = TimeSpan.FromMinutes(5);
}
