using Microsoft.Extensions.Logging;
using Orleans;

namespace GrainStream.Silo;

/// <summary>Keeps an API node trying to reach the cluster, every <see cref="Interval"/>, until it
/// connects or the node stops: API nodes may start before any silo (or while all are restarting),
/// and Orleans' own filter gives up after a few attempts or on an empty gateway list. The node
/// serves <c>/health/live</c> meanwhile; <c>/health/ready</c> turns green once connected.</summary>
public sealed partial class ClusterConnectionRetry(ILogger<ClusterConnectionRetry> logger) : IClientConnectionRetryFilter
{
    /// <summary>The pause between attempts.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private int _attempts;

    /// <inheritdoc />
    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return false;
        // Every attempt at first, then every 30th: a cluster that stays down should not flood the log.
        if (++_attempts <= 3 || _attempts % 30 == 0) LogRetry(_attempts, exception.Message);
        await Task.Delay(Interval, cancellationToken).ConfigureAwait(false);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot reach the cluster yet (attempt {Attempt}): {Reason}. Trying again.")]
    private partial void LogRetry(int attempt, string reason);
}
