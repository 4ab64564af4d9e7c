using GrainStream.Persistence.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Messaging;
using Orleans.Runtime;

namespace GrainStream.Persistence;

/// <summary>Orleans clustering on PostgreSQL: silos keep their membership in the database (and fence
/// their writes by it), clients find the gateways there.</summary>
public static class PostgresClusteringExtensions
{
    /// <summary>Keeps the silo's cluster membership in PostgreSQL (<see cref="PostgresMembershipTable"/>)
    /// and fences the writes of the PostgreSQL providers by it (<see cref="PostgresSiloFence"/>): once
    /// the cluster declares this silo dead, none of its writes lands.</summary>
    public static ISiloBuilder UsePostgresClustering(this ISiloBuilder builder, Action<PostgresOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        AddDatabase(services, configure);
        services.RemoveAll<IMembershipTable>();
        services.AddSingleton<IMembershipTable, PostgresMembershipTable>();
        // Added, not tried: the storage providers TryAdd the fence that lets everything through.
        services.RemoveAll<PostgresSiloFence>();
        services.AddSingleton(sp =>
        {
            var silo = sp.GetRequiredService<ILocalSiloDetails>().SiloAddress;
            return new PostgresSiloFence(sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ClusterId,
                silo.Endpoint.Address.ToString(), silo.Endpoint.Port, silo.Generation);
        });
        return builder;
    }

    /// <summary>Finds the cluster's gateways in PostgreSQL (<see cref="PostgresGatewayListProvider"/>).</summary>
    public static IClientBuilder UsePostgresClustering(this IClientBuilder builder, Action<PostgresOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AddDatabase(builder.Services, configure);
        builder.Services.RemoveAll<IGatewayListProvider>();
        builder.Services.AddSingleton<IGatewayListProvider, PostgresGatewayListProvider>();
        return builder;
    }

    private static void AddDatabase(IServiceCollection services, Action<PostgresOptions>? configure)
    {
        var options = services.AddOptions<PostgresOptions>();
        if (configure is not null) options.Configure(configure);
        services.TryAddSingleton<PostgresDatabase>();
    }
}
