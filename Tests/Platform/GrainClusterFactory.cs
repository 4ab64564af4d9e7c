using GrainStream.Tests.Support;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace GrainStream.Tests.Platform;

/// <summary>A one-silo test cluster with the area's grain services registered by
/// <paramref name="configure"/> (e.g. <c>AddChatGrains</c> and short timeouts).</summary>
public static class GrainClusterFactory
{
    public static Task<InProcessTestCluster> StartAsync(Action<ISiloBuilder> configure, int silos = 1)
        => ClusterFactory.StartAsync(silos, builder => builder.ConfigureEachSilo(configure));
}
