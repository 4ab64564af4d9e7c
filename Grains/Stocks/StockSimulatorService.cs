using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainStream.Grains.Stocks;

/// <summary>Starts the simulator on each configured symbol (<see cref="StockOptions.Symbols"/>) once
/// the host has started, through the process's <see cref="IClusterClient"/> (the embedded silo or a
/// cluster client), retrying with backoff until the cluster answers. Does nothing when
/// <see cref="StockOptions.Simulate"/> is false. Starting is idempotent, so several API nodes may
/// all run it; the grains keep simulating after this service stops.</summary>
internal sealed class StockSimulatorService(
    IServiceProvider services,
    IOptions<StockOptions> options,
    [FromKeyedServices(PlatformClock.Key)] TimeProvider time,
    ILogger<StockSimulatorService> logger) : BackgroundService
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Simulate || settings.Symbols.Count == 0) return;
        if (services.GetService<IClusterClient>() is not { } client)
        {
            logger.LogWarning("The stock simulator needs an IClusterClient (a silo or a cluster client in this process); none is registered");
            return;
        }
        await WaitForHostStartAsync(stoppingToken);

        var simulation = new StockSimulation(settings.StartPrice, settings.Interval, settings.Volatility);
        var pending = settings.Symbols.Distinct(StringComparer.Ordinal).ToList();
        var retry = FirstRetry;
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var symbol in pending.ToList())
            {
                try
                {
                    await client.GetGrain<IStockGrain>(symbol).StartSimulation(simulation);
                    pending.Remove(symbol);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogDebug(exception, "Starting the simulation of {Symbol} failed; retrying in {Delay}", symbol, retry);
                    break;
                }
            }
            if (pending.Count == 0)
            {
                logger.LogInformation("Stock simulator running for {Symbols}", string.Join(", ", settings.Symbols));
                return;
            }
            try
            {
                await Task.Delay(retry, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LongestRetry.Ticks));
        }
    }

    // Calls made before the host has started every service (the silo among them) cannot succeed.
    private async Task WaitForHostStartAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<IHostApplicationLifetime>() is not { } lifetime || lifetime.ApplicationStarted.IsCancellationRequested) return;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        try
        {
            await started.Task.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
