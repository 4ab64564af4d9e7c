using GrainStream.Grains;
using GrainStream.Runtime.Hosting;
using GrainStream.Runtime.Testing;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Platform;

/// <summary>A one-silo test cluster that knows the platform's JSON contracts, with the area's
/// grains registered by <paramref name="configure"/> (e.g. <c>AddChatGrains</c> and short timeouts).</summary>
public static class GrainClusterFactory
{
    public static Task<InProcessTestCluster> StartAsync(Action<ISiloBuilder> configure) => ClusterFactory.StartAsync(1, builder =>
    {
        builder.ConfigureSilo(silo =>
        {
            silo.AddGrainJsonContext(GrainsJsonContext.Default);
            configure(silo);
        });
        builder.ConfigureClient(client => client.AddGrainJsonContext(GrainsJsonContext.Default));
    });
}
