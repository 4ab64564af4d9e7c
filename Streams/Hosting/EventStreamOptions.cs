namespace GrainStream.Streams;

/// <summary>Settings of a GrainStream stream provider (named options, one set per provider name).</summary>
public sealed class EventStreamOptions
{
    /// <summary>Events a stream's hub keeps in memory in front of the durable log. Default 1,024.</summary>
    public int CacheSize { get; set; } = 1024;

    /// <summary>Events read from the log per round trip when replaying. Default 512.</summary>
    public int ReplayBatchSize { get; set; } = 512;

    /// <summary>Most events committed to the log in one group commit. Default 1,024.</summary>
    public int MaxCommitBatch { get; set; } = 1024;

    /// <summary>How often a process renews its subscriptions with their hubs; a hub that does not
    /// know a subscription (it was re-activated after its silo died) makes it subscribe again from
    /// its last event. Default 2 s: the longest a subscription waits to learn of a lost hub.</summary>
    public TimeSpan RenewPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a hub keeps a subscription that is not renewed (its process died).
    /// Default 10 s.</summary>
    public TimeSpan SubscriptionLease { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a subscription holds deliveries that arrived before an earlier one (Orleans
    /// may reorder one-way messages) before it replays the missing events from the log instead.
    /// Default 1 s.</summary>
    public TimeSpan GapTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a subscriber waits before trying again to subscribe after a failure.
    /// Default 200 ms, doubling up to 5 s.</summary>
    public TimeSpan ResubscribeBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long one attempt to subscribe again may take before the next is made. Default
    /// 3 s, doubling up to 30 s. Shorter than a call's response timeout because a client's call can
    /// be stuck in a frozen gateway until then, while the next attempt, once the cluster has declared
    /// that silo dead, goes through another (measured: a frozen silo's streams caught up after 20 s
    /// with the response timeout of 10 s).</summary>
    public TimeSpan ResubscribeAttemptTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How much history each stream's log keeps, by count and age, per kind of stream
    /// (<c>GrainStream:Streams:Retention</c>; the defaults are on <see cref="StreamRetentionOptions"/>).</summary>
    public StreamRetentionOptions Retention { get; set; } = new();
}
