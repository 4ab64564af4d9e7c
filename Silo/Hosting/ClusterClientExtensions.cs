using GrainStream.Grains;
using GrainStream.Persistence;
using GrainStream.Streams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;

namespace GrainStream.Silo;

/// <summary>An Orleans client of the GrainStream cluster (the API nodes of the cluster mode).</summary>
public static class ClusterClientExtensions
{
    /// <summary>Connects <paramref name="client"/> to the cluster described by the <c>Cluster</c>
    /// section (<see cref="ClusterSettings"/>): gateways from PostgreSQL, the <c>events</c> stream
    /// provider, the platform's contracts and the client side of <see cref="ClusterDefaults"/>.</summary>
    public static IClientBuilder UseGrainStreamCluster(this IClientBuilder client, IConfiguration configuration)
    {
        var settings = ClusterSettings.From(configuration);
        client.Configure<ClusterOptions>(settings.ApplyTo);
        client.UsePostgresClustering(o => o.ConnectionString = settings.Postgres);
        client.AddGrainStreamEvents(GrainStreamEventsExtensions.DefaultProviderName, o => configuration.GetSection("GrainStream:Streams").Bind(o));
        client.Services.AddGrainStreamContracts();
        ClusterDefaults.ApplyToClient(client.Services);
        client.Services.AddSingleton<IClientConnectionRetryFilter, ClusterConnectionRetry>();
        client.Services.Configure<GatewayOptions>(configuration.GetSection("Orleans:Gateway"));
        return client;
    }
}
