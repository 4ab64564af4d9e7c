namespace GrainStream.Grains.Chat;

/// <summary>A chat room: messages, read receipts and presence, published on <see cref="ChatStreams.Room"/>.</summary>
public interface IChatRoomGrain : IGrainWithStringKey
{
    /// <summary>Posts a message; a repeated <see cref="PostMessageCommand.ClientId"/> returns the first
    /// message with <c>Created = false</c>. Invalid input throws <see cref="ArgumentException"/>.</summary>
    Task<PostMessageResult> Post(PostMessageCommand command);

    /// <summary>Messages with id greater than <paramref name="after"/> (all when null), oldest first, at most <paramref name="limit"/> (1-1000).</summary>
    [ReadOnly]
    Task<IReadOnlyList<ChatMessage>> GetMessages(long? after, int limit);

    /// <summary>Counts, last id, online users and read receipts.</summary>
    [ReadOnly]
    Task<ChatRoomSummary> GetSummary();

    /// <summary>Records that <paramref name="user"/> read up to message <paramref name="upTo"/> and emits <c>read</c>.</summary>
    Task MarkRead(string user, long upTo);

    /// <summary>An API node's complete set of users with an open event stream to this room. The set
    /// holds until the node reports again or <paramref name="lease"/> passes (a dead node leaves no
    /// ghosts). Changes emit <c>presence</c>.</summary>
    Task ReportPresence(string nodeId, IReadOnlyList<string> users, TimeSpan lease);
}
