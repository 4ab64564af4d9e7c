using System.Text.Json.Serialization;
using GrainStream.Streams;

namespace GrainStream.Grains.Chat;

/// <summary>A chat message; also the payload of the <c>message</c> event. Its id is the room's
/// stream position of that event, so ids grow within a room.</summary>
/// <param name="Id">Per-room id.</param>
/// <param name="Room">The room.</param>
/// <param name="Author">Who wrote it (1-64 characters).</param>
/// <param name="Text">The text (1-4,000 characters, may span lines).</param>
/// <param name="SentAt">When the room accepted it.</param>
/// <param name="ClientId">The poster's idempotency key, when given.</param>
[GenerateSerializer, Immutable]
[StreamEventName("message")]
public sealed record ChatMessage(long Id, string Room, string Author, string Text, DateTimeOffset SentAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ClientId = null);

/// <summary>A post to a room.</summary>
/// <param name="Author">Who writes.</param>
/// <param name="Text">What.</param>
/// <param name="ClientId">Optional idempotency key: a repeated post returns the first message.</param>
[GenerateSerializer, Immutable]
public sealed record PostMessageCommand(string Author, string Text, string? ClientId);

/// <summary>The message and whether this post created it (false: a repeated clientId).</summary>
/// <param name="Message">The message.</param>
/// <param name="Created">True when new.</param>
[GenerateSerializer, Immutable]
public sealed record PostMessageResult(ChatMessage Message, bool Created);

/// <summary>A room at a glance.</summary>
/// <param name="Room">The room.</param>
/// <param name="MessageCount">Messages posted.</param>
/// <param name="LastId">The last message id, if any.</param>
/// <param name="OnlineUsers">Users with an open event stream to the room on any API node.</param>
/// <param name="ReadReceipts">Each user's last read message id.</param>
[GenerateSerializer, Immutable]
public sealed record ChatRoomSummary(string Room, long MessageCount, long? LastId, IReadOnlyList<string> OnlineUsers, IReadOnlyDictionary<string, long> ReadReceipts);

/// <summary>Payload of the <c>read</c> event.</summary>
/// <param name="User">Who read.</param>
/// <param name="UpTo">The last message id read.</param>
/// <param name="At">When.</param>
[GenerateSerializer, Immutable]
[StreamEventName("read")]
public sealed record ReadReceipt(string User, long UpTo, DateTimeOffset At);

/// <summary>Payload of the <c>presence</c> event.</summary>
/// <param name="User">Whose presence changed.</param>
/// <param name="Online">Now online?</param>
/// <param name="OnlineUsers">Everyone online in the room now.</param>
[GenerateSerializer, Immutable]
[StreamEventName("presence")]
public sealed record PresenceChanged(string User, bool Online, IReadOnlyList<string> OnlineUsers);

/// <summary>The streams of chat rooms.</summary>
public static class ChatStreams
{
    /// <summary>The room's events: <c>message</c>, <c>presence</c>, <c>read</c>.</summary>
    public static StreamId Room(string room) => StreamIds.Create("chat", room);

    /// <summary>Longest author name.</summary>
    public const int MaxAuthorLength = 64;

    /// <summary>Longest message text.</summary>
    public const int MaxTextLength = 4000;
}
