using System.Net.ServerSentEvents;
using System.Text.Json;

namespace GrainStream.Tests.Cluster;

/// <summary>A browser following one chat room through the cluster's API nodes
/// (<see cref="ReconnectingEventSource"/>), reduced to what the failover tests check: every
/// <c>message</c> event it received (id, text), in arrival order.</summary>
public sealed class RoomSubscriber : IAsyncDisposable
{
    private readonly List<(long Id, string Text)> _received = [];
    private readonly ReconnectingEventSource _source;

    public RoomSubscriber(string room, IReadOnlyList<Uri> nodes, int firstNode)
    {
        Room = room;
        _source = new ReconnectingEventSource(nodes, firstNode, $"/api/chat/rooms/{room}/events", Receive);
    }

    public string Room { get; }

    /// <summary>How many times the stream was opened again after the first.</summary>
    public int Reconnects => _source.Reconnects;

    /// <summary>How many times opening the stream failed.</summary>
    public int FailedOpens => _source.FailedOpens;

    /// <summary>Completes once the first stream is open (subscribed: what is posted from now on arrives).</summary>
    public Task Connected => _source.Connected;

    /// <summary>The messages received so far, in arrival order.</summary>
    public List<(long Id, string Text)> Received()
    {
        lock (_received) return [.. _received];
    }

    private ValueTask Receive(SseItem<string> item, CancellationToken cancellationToken)
    {
        if (item.EventType != "message") return default;
        using var message = JsonDocument.Parse(item.Data);
        var entry = (message.RootElement.GetProperty("id").GetInt64(), message.RootElement.GetProperty("text").GetString()!);
        lock (_received) _received.Add(entry);
        return default;
    }

    public ValueTask DisposeAsync() => _source.DisposeAsync();
}
