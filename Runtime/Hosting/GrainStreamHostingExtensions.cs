using GrainStream.Runtime.Configuration;
using GrainStream.Runtime.Directory;
using GrainStream.Runtime.Membership;
using GrainStream.Runtime.Storage;
using GrainStream.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace GrainStream.Runtime.Hosting;

/// <summary><c>UseGrainStreamSilo</c> and <c>UseGrainStreamClient</c> for any .NET host.</summary>
public static class GrainStreamHostingExtensions
{
    /// <summary>Hosts a silo in this process. Defaults (replaceable): in-memory membership, directory,
    /// grain storage and event log, which is a complete single-silo cluster; the silo is also the
    /// process's <see cref="IClusterClient"/> and <see cref="IGrainFactory"/>.</summary>
    public static IHostApplicationBuilder UseGrainStreamSilo(this IHostApplicationBuilder builder, Action<ISiloBuilder>? configure = null)
    {
        builder.Services.AddGrainStreamSilo(builder.Configuration, configure);
        return builder;
    }

    /// <summary>Registers a silo and its defaults.</summary>
    public static IServiceCollection AddGrainStreamSilo(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration, Action<ISiloBuilder>? configure = null)
    {
        configure?.Invoke(new SiloBuilder(services, configuration));
        GrainStreamServiceCollectionExtensions.AddCommonDefaults(services);
        services.TryAddSingleton<IMembershipTable, InMemoryMembershipTable>();
        services.TryAddSingleton<IGrainDirectory, InMemoryGrainDirectory>();
        services.TryAddSingleton<IEventLog>(sp => new MemoryEventLog(sp.GetRequiredService<TimeProvider>()));
        if (!services.Any(d => d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, GrainStreamDefaults.StorageName)))
        {
            services.AddKeyedSingleton<IGrainStorage, MemoryGrainStorage>(GrainStreamDefaults.StorageName);
        }
        services.TryAddSingleton<Silo>();
        services.TryAddSingleton<IClusterClient>(sp => sp.GetRequiredService<Silo>());
        services.TryAddSingleton<IGrainFactory>(sp => sp.GetRequiredService<Silo>());
        services.AddHostedService(sp => sp.GetRequiredService<Silo>());
        return services;
    }

    /// <summary>Connects this process to a cluster as a client. It finds silos through the
    /// membership table, which must be configured (<c>UseMembershipTable</c>, or PostgreSQL).</summary>
    public static IHostApplicationBuilder UseGrainStreamClient(this IHostApplicationBuilder builder, Action<IClientBuilder>? configure = null)
    {
        builder.Services.AddGrainStreamClient(builder.Configuration, configure);
        return builder;
    }

    /// <summary>Registers a cluster client and its defaults.</summary>
    public static IServiceCollection AddGrainStreamClient(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration, Action<IClientBuilder>? configure = null)
    {
        configure?.Invoke(new ClientBuilder(services, configuration));
        GrainStreamServiceCollectionExtensions.AddCommonDefaults(services);
        if (!services.Any(d => d.ServiceType == typeof(IMembershipTable)))
        {
            throw new InvalidOperationException("A cluster client needs a membership table to find silos: call UseMembershipTable (or a PostgreSQL clustering extension).");
        }
        services.TryAddSingleton<ClusterClient>();
        services.TryAddSingleton<IClusterClient>(sp => sp.GetRequiredService<ClusterClient>());
        services.TryAddSingleton<IGrainFactory>(sp => sp.GetRequiredService<ClusterClient>());
        services.AddHostedService(sp => sp.GetRequiredService<ClusterClient>());
        return services;
    }
}
