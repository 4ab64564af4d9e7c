using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace GrainStream.Grains.Tasks;

/// <summary>The in-process worker for the <see cref="DemoTaskTypes"/>: it claims from
/// <see cref="TaskOptions.DemoQueue"/> like any external worker. It waits for work by listening to
/// the queue's stream (a <c>status</c> event with status <c>queued</c> wakes it up), with a short
/// poll as fallback, and outlives failed grain calls by backing off and trying again.</summary>
internal sealed class DemoTaskWorker(IClusterClient client, IOptions<TaskOptions> options, [FromKeyedServices(PlatformClock.Key)] TimeProvider time, IHostApplicationLifetime lifetime, ILogger<DemoTaskWorker> logger)
    : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly TaskOptions _options = options.Value;
    private readonly WakeSignal _wake = new();

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.DemoWorker) return;
        if (!EntityKey.IsValid(_options.DemoQueue))
        {
            logger.LogError("Tasks:DemoQueue '{Queue}' is not a valid queue name; the demo worker does not run", _options.DemoQueue);
            return;
        }
        // Stop as soon as the application starts stopping, before the silo it calls goes away.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.ApplicationStopping);
        var cancellationToken = stopping.Token;
        var lease = TimeSpan.FromTicks(Math.Clamp(_options.DefaultLease.Ticks, TaskRules.MinLease.Ticks, _options.MaxLease.Ticks));
        var tasks = new DemoTasks(client, time, lease, logger);
        var prefix = $"demo-{Guid.NewGuid().ToString("N")[..8]}";
        Task<StreamSubscriptionHandle<StreamEvent>?>? subscribing = null;
        try
        {
            subscribing = SubscribeAsync(cancellationToken);
            var workers = Enumerable.Range(1, Math.Max(1, _options.DemoWorkerConcurrency)).Select(i => WorkAsync($"{prefix}-{i}", tasks, lease, cancellationToken));
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        catch (Exception exception) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: calls in flight may fail in many ways as the silo goes away.
            logger.LogDebug(exception, "The demo worker stopped");
        }
        finally
        {
            await UnsubscribeAsync(subscribing).ConfigureAwait(false);
        }
    }

    private async Task WorkAsync(string worker, DemoTasks tasks, TimeSpan lease, CancellationToken cancellationToken)
    {
        var queue = client.GetGrain<ITaskQueueGrain>(_options.DemoQueue);
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var wake = _wake.Current;
            try
            {
                var task = await queue.Claim(worker, DemoTaskTypes.All, lease).WaitAsync(cancellationToken).ConfigureAwait(false);
                if (task is null)
                {
                    await WakeSignal.WaitAsync(wake, _options.DemoPollInterval, time, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                await tasks.RunAsync(worker, task, cancellationToken).ConfigureAwait(false);
                failures = 0;
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                // The task (if any) keeps its lease until it expires and is retried; this worker carries on.
                failures++;
                var backoff = TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, 250 * Math.Pow(2, Math.Min(failures - 1, 10))));
                logger.LogWarning(exception, "Demo worker {Worker} failed; retrying in {Backoff}", worker, backoff);
                await Task.Delay(backoff, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Subscribes to the queue's stream, retrying until it works or the worker stops; the poll covers the meantime.</summary>
    private async Task<StreamSubscriptionHandle<StreamEvent>?> SubscribeAsync(CancellationToken cancellationToken)
    {
        var stream = client.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetStream<StreamEvent>(TaskStreams.Queue(_options.DemoQueue));
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                return await stream.SubscribeAsync(OnQueueEvent).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogDebug(exception, "The demo worker could not subscribe to the queue's stream yet; polling meanwhile");
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
        return null;
    }

    private Task OnQueueEvent(StreamEvent streamEvent, StreamSequenceToken? token)
    {
        if (streamEvent.EventName != "status") return Task.CompletedTask;
        try
        {
            var job = JsonSerializer.Deserialize(streamEvent.Payload.Span, GrainsJsonContext.Default.TaskJobView);
            if (job is { Status: TaskJobStatus.Queued } && DemoTaskTypes.All.Contains(job.Type)) _wake.Set();
        }
        catch (JsonException exception)
        {
            logger.LogDebug(exception, "Unreadable status event on {Stream}", streamEvent.StreamId);
        }
        return Task.CompletedTask;
    }

    private async Task UnsubscribeAsync(Task<StreamSubscriptionHandle<StreamEvent>?>? subscribing)
    {
        if (subscribing is null) return;
        try
        {
            if (await subscribing.ConfigureAwait(false) is { } handle) await handle.UnsubscribeAsync().WaitAsync(TimeSpan.FromSeconds(2), time).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            logger.LogDebug(exception, "Unsubscribing the demo worker failed");
        }
    }
}
