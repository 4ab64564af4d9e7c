using GrainStream.Grains;
using GrainStream.Grains.Logs;
using Orleans.Hosting;
using Orleans.TestingHost;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Platform.Logs;

/// <summary>Test clusters with the log grains on a temporary root, polling every 100 ms.</summary>
public static class LogCluster
{
    public static Task<InProcessTestCluster> StartAsync(TemporaryLogRoot root, int silos = 1, Action<LogOptions>? configure = null, Action<ISiloBuilder>? silo = null)
        => ClusterFactory.StartAsync(silos, builder =>
        {
            builder.ConfigureEachSilo(siloBuilder =>
            {
                siloBuilder.Services.AddLogGrains(siloBuilder.Configuration);
                siloBuilder.Configure<LogOptions>(o =>
                {
                    o.Root = root.Path;
                    o.PollInterval = TimeSpan.FromMilliseconds(100);
                    configure?.Invoke(o);
                });
                silo?.Invoke(siloBuilder);
            });
        });
}
