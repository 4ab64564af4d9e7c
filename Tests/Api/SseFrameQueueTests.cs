using System.Text;
using GrainStream.Api.Sse;
using GrainStream.Streams;
using Microsoft.AspNetCore.Http;

namespace GrainStream.Tests.Api;

/// <summary>The per-connection queue and the batched wake-ups of a fan-out, without a network.</summary>
public sealed class SseFrameQueueTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static SseFrame Frame(long sequence) => TestFrames.Message(sequence);

    [Fact]
    public async Task An_offer_to_a_waiting_reader_asks_the_caller_to_wake_it_and_the_reader_resumes_on_the_waking_thread()
    {
        var queue = new SseFrameQueue(capacity: 8, dropOldest: false);
        var waiting = queue.WaitToReadAsync();
        Assert.False(waiting.IsCompleted);
        var resumedOn = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = ResumeAsync(waiting, resumedOn);

        Assert.Equal(SseOffer.QueuedWake, queue.Offer(Frame(1)));
        Assert.Equal(SseOffer.Queued, queue.Offer(Frame(2)));
        Assert.False(resumedOn.Task.IsCompleted);

        var waker = new Thread(queue.Wake);
        waker.Start();
        Assert.Equal(waker.ManagedThreadId, await resumedOn.Task.WaitAsync(Bound));
        await reader.WaitAsync(Bound);
        Assert.True(queue.TryRead(out var first) && first.Token.Sequence == 1);
        Assert.True(queue.TryRead(out var second) && second.Token.Sequence == 2);

        static async Task ResumeAsync(ValueTask<bool> waiting, TaskCompletionSource<int> resumedOn)
        {
            Assert.True(await waiting.ConfigureAwait(false));
            resumedOn.SetResult(Environment.CurrentManagedThreadId);
        }
    }

    [Fact]
    public async Task Completing_a_queue_ends_the_reader_after_what_is_queued()
    {
        var queue = new SseFrameQueue(capacity: 8, dropOldest: false);
        queue.Offer(Frame(1));
        Assert.False(queue.Complete());
        Assert.Equal(SseOffer.Closed, queue.Offer(Frame(2)));
        Assert.True(await queue.WaitToReadAsync());
        Assert.True(queue.TryRead(out _));
        Assert.False(await queue.WaitToReadAsync().AsTask().WaitAsync(Bound));
    }

    [Fact]
    public void A_full_queue_overflows_unless_it_drops_the_oldest()
    {
        var cutting = new SseFrameQueue(capacity: 2, dropOldest: false);
        Assert.Equal(SseOffer.Queued, cutting.Offer(Frame(1)));
        Assert.Equal(SseOffer.Queued, cutting.Offer(Frame(2)));
        Assert.Equal(SseOffer.Overflowed, cutting.Offer(Frame(3)));
        Assert.Equal(SseOffer.Closed, cutting.Offer(Frame(4)));

        var latest = new SseFrameQueue(capacity: 2, dropOldest: true);
        for (var i = 1; i <= 5; i++) Assert.Equal(SseOffer.Queued, latest.Offer(Frame(i)));
        Assert.True(latest.TryRead(out var a) && a.Token.Sequence == 4);
        Assert.True(latest.TryRead(out var b) && b.Token.Sequence == 5);
    }

    [Fact]
    public void A_queue_emptied_after_a_burst_holds_no_storage_for_it()
    {
        var queue = new SseFrameQueue(capacity: 1024, dropOldest: false);
        for (var i = 1; i <= 500; i++) queue.Offer(Frame(i));
        Assert.True(queue.HoldsOverflowStorage);

        for (var i = 1; i <= 500; i++) Assert.True(queue.TryRead(out _));

        Assert.False(queue.HoldsOverflowStorage);
        queue.Offer(Frame(501));
        Assert.True(queue.TryRead(out var next) && next.Token.Sequence == 501);
    }

    [Fact]
    public void Claiming_a_waiting_reader_takes_its_turn_so_that_later_offers_queue_without_a_wake()
    {
        var queue = new SseFrameQueue(capacity: 8, dropOldest: false);
        var waiting = queue.WaitToReadAsync();

        Assert.True(queue.TryClaimReader());
        Assert.False(queue.TryClaimReader());
        Assert.Equal(SseOffer.Queued, queue.Offer(Frame(2)));
        Assert.Equal(SseWaitAgain.MoreFrames, queue.TryWaitAgain());
        Assert.True(queue.TryRead(out var next) && next.Token.Sequence == 2);
        Assert.Equal(SseWaitAgain.Waiting, queue.TryWaitAgain());

        // The turn is back with the reader, still waiting on its first wait.
        Assert.False(waiting.IsCompleted);
        Assert.Equal(SseOffer.QueuedWake, queue.Offer(Frame(3)));
    }

    [Fact]
    public void A_reader_cannot_be_claimed_while_frames_are_queued_or_once_the_queue_is_completed()
    {
        var busy = new SseFrameQueue(capacity: 8, dropOldest: false);
        Assert.False(busy.TryClaimReader()); // not waiting
        _ = busy.WaitToReadAsync();
        Assert.Equal(SseOffer.QueuedWake, busy.Offer(Frame(1)));
        Assert.False(busy.TryClaimReader());

        var completed = new SseFrameQueue(capacity: 8, dropOldest: false);
        _ = completed.WaitToReadAsync();
        Assert.True(completed.Complete());
        Assert.False(completed.TryClaimReader());
    }

    [Fact]
    public async Task A_batch_wakes_every_waiting_connection_of_a_fan_out_larger_than_a_slice()
    {
        const int connections = SseWakeBatch.SliceSize * 3 + 5;
        var bodies = new List<MemoryStream>();
        var runs = new List<Task>();
        var all = new List<SseConnection>();
        for (var i = 0; i < connections; i++)
        {
            var context = new DefaultHttpContext();
            var body = new MemoryStream();
            context.Response.Body = body;
            var connection = new SseConnection(context, new SseOptions(), latestWins: false);
            bodies.Add(body);
            all.Add(connection);
            runs.Add(connection.RunAsync());
        }

        var batch = new SseWakeBatch(batchSends: true);
        var frame = Frame(7);
        foreach (var connection in all) batch.Offer(connection, frame);
        batch.Dispatch();
        foreach (var connection in all) connection.Stop();
        await Task.WhenAll(runs).WaitAsync(Bound);

        Assert.All(bodies, body => Assert.Contains("id: 1-7\n", Encoding.UTF8.GetString(body.ToArray())));
    }
}
