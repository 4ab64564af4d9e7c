using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace GrainStream.Streams;

/// <summary>Trims every stream's log of one stream provider to its retention, every
/// <see cref="StreamRetentionOptions.SweepInterval"/>: the hubs trim by count as events come, but a
/// stream that went quiet has no hub to age its history out. Runs on every silo; trims are idempotent,
/// so silos sweeping the same database at once only repeat each other's work.</summary>
public sealed class EventLogRetentionSweep(IEventLog log, StreamRetentionOptions options, TimeProvider time, ILogger<EventLogRetentionSweep> logger)
    : BackgroundService
{
    private const int PageSize = 256;

    /// <summary>Trims every stream once, as of <paramref name="now"/>; returns the events deleted.</summary>
    public async Task<long> SweepOnceAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        long deleted = 0;
        StreamId? after = null;
        while (true)
        {
            var streams = await log.ListStreamsAsync(after, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (var streamId in streams)
            {
                deleted += await log.TrimAsync(streamId, options.For(streamId), now, Math.Max(1, options.TrimBatchSize), cancellationToken).ConfigureAwait(false);
            }
            if (streams.Count < PageSize) return deleted;
            after = streams[^1];
        }
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.SweepInterval <= TimeSpan.Zero) return;
        using var timer = new PeriodicTimer(options.SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var deleted = await SweepOnceAsync(time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
                if (deleted > 0) logger.LogInformation("The retention sweep deleted {Count} events", deleted);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "The retention sweep failed; it runs again in {Interval}", options.SweepInterval);
            }
        }
    }
}
