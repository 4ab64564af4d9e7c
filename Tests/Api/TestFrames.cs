using System.Text;
using GrainStream.Api.Sse;
using GrainStream.Streams;

namespace GrainStream.Tests.Api;

/// <summary>SSE frames for tests that need events without a grain behind them.</summary>
internal static class TestFrames
{
    private static readonly StreamId Chat = StreamIds.Create("chat", "x");

    /// <summary>A <c>message</c> event of chat:x at <paramref name="sequence"/> (epoch 1).</summary>
    public static SseFrame Message(long sequence, string payload = "{}")
        => SseFrame.ForEvent(new StreamEvent(Chat, new EventPosition(1, sequence), "message", DateTimeOffset.UnixEpoch, Encoding.UTF8.GetBytes(payload)), StreamKinds.Topic(Chat), false);
}
