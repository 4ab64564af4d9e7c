using System.Text.Json.Serialization.Metadata;
using GrainStream.Runtime.Catalog;
using GrainStream.Runtime.Configuration;
using GrainStream.Runtime.Directory;
using GrainStream.Runtime.Membership;
using GrainStream.Runtime.Storage;
using GrainStream.Serialization;
using GrainStream.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GrainStream.Runtime.Hosting;

/// <summary>What silo and client builders share: the host's services and configuration.</summary>
public interface IGrainStreamBuilder
{
    /// <summary>The host's services.</summary>
    IServiceCollection Services { get; }

    /// <summary>The host's configuration.</summary>
    IConfiguration Configuration { get; }
}

/// <summary>Configures a silo's services.</summary>
public interface ISiloBuilder : IGrainStreamBuilder;

/// <summary>Configures a cluster client's services.</summary>
public interface IClientBuilder : IGrainStreamBuilder;

internal sealed record SiloBuilder(IServiceCollection Services, IConfiguration Configuration) : ISiloBuilder;

internal sealed record ClientBuilder(IServiceCollection Services, IConfiguration Configuration) : IClientBuilder;

/// <summary>A source-generated JSON context registered for grain arguments, state and payloads.</summary>
/// <param name="Resolver">The context.</param>
public sealed record GrainJsonContext(IJsonTypeInfoResolver Resolver);

/// <summary>Service registrations shared by silos and clients; every default is added with TryAdd
/// so that tests and providers can replace it.</summary>
public static class GrainStreamServiceCollectionExtensions
{
    /// <summary>Registers a source-generated JSON context for the types grains exchange.</summary>
    public static IServiceCollection AddGrainJsonContext(this IServiceCollection services, IJsonTypeInfoResolver context)
    {
        services.AddSingleton(new GrainJsonContext(context));
        return services;
    }

    internal static void AddCommonDefaults(IServiceCollection services)
    {
        services.AddOptions();
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => GrainTypeRegistry.FromLoadedAssemblies());
        services.TryAddSingleton(sp => new GrainSerializer(sp.GetServices<GrainJsonContext>().Select(c => c.Resolver)));
    }
}

/// <summary>Configuration methods for silos and clients alike.</summary>
public static class GrainStreamBuilderExtensions
{
    /// <summary>Uses <paramref name="table"/> as the membership table (silos join it, clients find silos in it).</summary>
    public static TBuilder UseMembershipTable<TBuilder>(this TBuilder builder, IMembershipTable table) where TBuilder : IGrainStreamBuilder
    {
        builder.Services.RemoveAll<IMembershipTable>();
        builder.Services.AddSingleton(table);
        return builder;
    }

    /// <summary>Registers a source-generated JSON context for the types grains exchange.</summary>
    public static TBuilder AddGrainJsonContext<TBuilder>(this TBuilder builder, IJsonTypeInfoResolver context) where TBuilder : IGrainStreamBuilder
    {
        builder.Services.AddGrainJsonContext(context);
        return builder;
    }
}

/// <summary>Silo configuration methods.</summary>
public static class SiloBuilderExtensions
{
    /// <summary>Configures an options class of the silo.</summary>
    public static ISiloBuilder Configure<TOptions>(this ISiloBuilder builder, Action<TOptions> configure) where TOptions : class
    {
        builder.Services.Configure(configure);
        return builder;
    }

    /// <summary>Listens on 127.0.0.1 at <paramref name="port"/> (0: any free port) in cluster <paramref name="clusterId"/>.</summary>
    public static ISiloBuilder UseLocalhostClustering(this ISiloBuilder builder, int port = 11111, string clusterId = "dev")
        => builder.Configure<SiloOptions>(o =>
        {
            o.AdvertisedAddress = System.Net.IPAddress.Loopback;
            o.Port = port;
            o.ClusterId = clusterId;
        });

    /// <summary>Adds a named in-memory grain storage.</summary>
    public static ISiloBuilder AddMemoryGrainStorage(this ISiloBuilder builder, string name = GrainStreamDefaults.StorageName)
    {
        builder.Services.AddKeyedSingleton<IGrainStorage, MemoryGrainStorage>(name);
        return builder;
    }

    /// <summary>Adds a named grain storage instance (e.g. shared by several silos of one process).</summary>
    public static ISiloBuilder AddGrainStorage(this ISiloBuilder builder, string name, IGrainStorage storage)
    {
        builder.Services.AddKeyedSingleton(name, storage);
        return builder;
    }

    /// <summary>Uses an in-memory stream event log.</summary>
    public static ISiloBuilder UseMemoryEventLog(this ISiloBuilder builder, int maxEventsPerStream = 10_000)
    {
        builder.Services.RemoveAll<IEventLog>();
        builder.Services.AddSingleton<IEventLog>(sp => new MemoryEventLog(sp.GetRequiredService<TimeProvider>(), maxEventsPerStream));
        return builder;
    }

    /// <summary>Uses <paramref name="log"/> as the stream event log.</summary>
    public static ISiloBuilder UseEventLog(this ISiloBuilder builder, IEventLog log)
    {
        builder.Services.RemoveAll<IEventLog>();
        builder.Services.AddSingleton(log);
        return builder;
    }

    /// <summary>Uses <paramref name="directory"/> as grain directory.</summary>
    public static ISiloBuilder UseGrainDirectory(this ISiloBuilder builder, IGrainDirectory directory)
    {
        builder.Services.RemoveAll<IGrainDirectory>();
        builder.Services.AddSingleton(directory);
        return builder;
    }


}

/// <summary>Client configuration methods.</summary>
public static class ClientBuilderExtensions
{
    /// <summary>Configures an options class of the client.</summary>
    public static IClientBuilder Configure<TOptions>(this IClientBuilder builder, Action<TOptions> configure) where TOptions : class
    {
        builder.Services.Configure(configure);
        return builder;
    }


}
