using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Cluster;

/// <summary>Steady chat traffic through a cluster's API nodes: a publisher posting round-robin to
/// <c>rooms</c> rooms and nodes, and one <see cref="RoomSubscriber"/> per room on every node. It
/// records what each post got (acknowledged, refused with 503, or anything else) and checks at the
/// end that every subscriber received every acknowledged message exactly once, in order.</summary>
public sealed class ChatTraffic : IAsyncDisposable
{
    private readonly IReadOnlyList<Uri> _nodes;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<(string Room, long Id, string Text)> _acknowledged = new();
    private readonly ConcurrentQueue<string> _unexpected = new();
    private Task? _publisher;
    private int _refused;
    private int _failed;

    private ChatTraffic(IReadOnlyList<Uri> nodes, int rooms)
    {
        _nodes = nodes;
        Rooms = [.. Enumerable.Range(0, rooms).Select(i => $"failover-{Guid.NewGuid():N}"[..20] + i)];
        Subscribers = [.. Rooms.SelectMany(room => Enumerable.Range(0, nodes.Count).Select(node => new RoomSubscriber(room, nodes, node)))];
    }

    public IReadOnlyList<string> Rooms { get; }

    public IReadOnlyList<RoomSubscriber> Subscribers { get; }

    /// <summary>Posts answered 503 with a Retry-After (not acknowledged: the client tries again).</summary>
    public int Refused => _refused;

    /// <summary>Posts whose connection failed or timed out (not acknowledged either).</summary>
    public int Failed => _failed;

    public int Acknowledged => _acknowledged.Count;

    /// <summary>Opens the subscribers, waits until all are subscribed, then starts posting one
    /// message every <paramref name="interval"/>.</summary>
    public static async Task<ChatTraffic> StartAsync(IReadOnlyList<Uri> nodes, int rooms, TimeSpan interval)
    {
        var traffic = new ChatTraffic(nodes, rooms);
        await Task.WhenAll(traffic.Subscribers.Select(s => s.Connected)).WaitAsync(TimeSpan.FromSeconds(60));
        traffic._publisher = traffic.PublishAsync(interval);
        return traffic;
    }

    /// <summary>Waits until <paramref name="count"/> more posts have been acknowledged.</summary>
    public Task AcknowledgedAtLeastAsync(int count, string what, TimeSpan? timeout = null)
    {
        var target = Acknowledged + count;
        var before = Summary();
        return Eventually.TrueAsync(() => Acknowledged >= target, () => $"{count} more acknowledged posts ({what}); at the start: {before}; now: {Summary()}", timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>Stops posting, then checks every subscriber: every acknowledged message of its room
    /// exactly once, ids increasing, nothing but 201/503 answers.</summary>
    public async Task StopAndVerifyAsync(TimeSpan deliveryTimeout)
    {
        await _stop.CancelAsync();
        if (_publisher is not null) await _publisher;
        Assert.True(_unexpected.IsEmpty, "Unexpected answers to posts:\n" + string.Join('\n', _unexpected.Take(10)));
        var acknowledged = _acknowledged.GroupBy(a => a.Room).ToDictionary(g => g.Key, g => g.Select(a => a.Text).ToHashSet());
        foreach (var subscriber in Subscribers)
        {
            var expected = acknowledged.GetValueOrDefault(subscriber.Room) ?? [];
            await Eventually.TrueAsync(() => expected.IsSubsetOf(subscriber.Received().Select(r => r.Text)),
                () => $"every acknowledged message of {subscriber.Room} at its subscriber (missing {expected.Except(subscriber.Received().Select(r => r.Text)).Count()}; {Summary()})", deliveryTimeout);
            var received = subscriber.Received();
            var duplicates = received.GroupBy(r => r.Text).Where(g => g.Count() > 1).Select(g => $"{g.Key} (ids {string.Join(", ", g.Select(r => r.Id))})").ToList();
            Assert.True(duplicates.Count == 0, $"{subscriber.Room}: received twice: {string.Join(", ", duplicates.Take(5))}");
            for (var i = 1; i < received.Count; i++)
            {
                Assert.True(received[i].Id > received[i - 1].Id, $"{subscriber.Room}: message {received[i].Id} after {received[i - 1].Id}");
            }
        }
    }

    public string Summary() => $"{Acknowledged} acknowledged, {Refused} refused (503), {Failed} failed, {_unexpected.Count} unexpected{(_unexpected.TryPeek(out var first) ? $" (first: {first})" : "")}, {Volatile.Read(ref _inFlight)} in flight, {Subscribers.Sum(s => s.Reconnects)} reconnects, {Subscribers.Sum(s => s.FailedOpens)} failed opens";

    private async Task PublishAsync(TimeSpan interval)
    {
        var n = 0;
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                n++;
                var room = Rooms[n % Rooms.Count];
                var node = _nodes[n % _nodes.Count];
                // Not awaited one by one: a post stuck on a failing silo must not hold back the others.
                _ = PostAsync(node, room, $"m{n}");
            }
        }
        catch (OperationCanceledException)
        {
        }
        // Let posts in flight finish (each is bounded by the client's timeout).
        await Eventually.TrueAsync(() => Volatile.Read(ref _inFlight) == 0, "posts in flight to finish", TimeSpan.FromSeconds(45));
    }

    private int _inFlight;

    private async Task PostAsync(Uri node, string room, string text)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            using var response = await _http.PostAsJsonAsync(new Uri(node, $"/api/chat/rooms/{room}/messages"), new { author = "load", text, clientId = text });
            if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                _acknowledged.Enqueue((room, body.RootElement.GetProperty("id").GetInt64(), text));
            }
            else if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null
                && response.Content.Headers.ContentType?.MediaType == "application/problem+json")
            {
                Interlocked.Increment(ref _refused);
            }
            else
            {
                _unexpected.Enqueue($"{(int)response.StatusCode} {room} {text}: {await response.Content.ReadAsStringAsync()}");
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            Interlocked.Increment(ref _failed);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_publisher is not null)
        {
            try
            {
                await _publisher;
            }
            catch (TimeoutException)
            {
            }
        }
        foreach (var subscriber in Subscribers) await subscriber.DisposeAsync();
        _http.Dispose();
    }
}
