namespace GrainStream.Grains.Chat;

/// <summary>What a chat room stores. The messages themselves live in the room's stream history;
/// this keeps the counters and read receipts.</summary>
public sealed class ChatRoomState
{
    /// <summary>Messages posted (reconciled with the stream history on activation).</summary>
    public long MessageCount { get; set; }

    /// <summary>The last message id, null before the first message.</summary>
    public long? LastId { get; set; }

    /// <summary>The stream incarnation the ids refer to; 0 before the first read.</summary>
    public long Epoch { get; set; }

    /// <summary>Each user's last read message id, the receipt that moved least recently first (the
    /// order the room forgets them in beyond <see cref="ChatOptions.MaxReadReceipts"/>; JSON keeps it).</summary>
    public OrderedDictionary<string, long> ReadReceipts { get; set; } = new(StringComparer.Ordinal);
}
