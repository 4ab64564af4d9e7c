using GrainStream.Runtime.Configuration;
using GrainStream.Runtime.Hosting;
using GrainStream.Runtime.Testing;

namespace GrainStream.Tests.Support;

/// <summary>Starts test clusters with a short call timeout, so a deadlock fails fast.</summary>
public static class ClusterFactory
{
    public static async Task<InProcessTestCluster> StartAsync(int silos, Action<InProcessTestClusterBuilder>? configure = null, TimeSpan? responseTimeout = null)
    {
        var builder = InProcessTestCluster.CreateBuilder(silos);
        var timeout = responseTimeout ?? TimeSpan.FromSeconds(10);
        builder.ConfigureSilo(s => s.Configure<MessagingOptions>(o => o.ResponseTimeout = timeout));
        builder.ConfigureClient(c => c.Configure<MessagingOptions>(o => o.ResponseTimeout = timeout));
        configure?.Invoke(builder);
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}
