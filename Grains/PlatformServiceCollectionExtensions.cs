using GrainStream.Grains.Chat;
using GrainStream.Grains.Logs;
using GrainStream.Grains.Queues;
using GrainStream.Grains.Stocks;
using GrainStream.Grains.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Serialization;

namespace GrainStream.Grains;

/// <summary>Registers the whole event platform's grains: their JSON metadata, options and hosted
/// services (stock simulator, demo task worker).</summary>
public static class PlatformServiceCollectionExtensions
{
    /// <summary>Adds chat, stocks, tasks, logs and queues; options bind from the sections
    /// <c>Chat</c>, <c>Stocks</c>, <c>Tasks</c>, <c>Logs</c> and <c>Queues</c>. Safe to call more
    /// than once (an embedded silo and its API share one service collection): only the first counts.</summary>
    public static IServiceCollection AddGrainStreamPlatform(this IServiceCollection services, IConfiguration configuration)
    {
        if (services.Any(d => d.ServiceType == typeof(PlatformRegistered))) return services;
        services.AddSingleton<PlatformRegistered>();
        services.TryAddKeyedSingleton(PlatformClock.Key, TimeProvider.System);
        services.AddGrainStreamContracts();
        services.AddChatGrains(configuration);
        services.AddStockGrains(configuration);
        services.AddTaskGrains(configuration);
        services.AddLogGrains(configuration);
        services.AddQueueGrains(configuration);
        return services;
    }

    /// <summary>What a silo or client needs to exchange the platform's contracts: their JSON metadata
    /// (stream payloads) and Orleans' System.Text.Json codec for the <c>JsonElement</c> values that
    /// task payloads, results and queue bodies carry through grain calls.</summary>
    public static IServiceCollection AddGrainStreamContracts(this IServiceCollection services)
    {
        services.AddGrainStreamJson(GrainsJsonContext.Default);
        services.AddSerializer(serializer => serializer.AddJsonSerializer(isSupported: _ => false));
        // Orleans carries only exceptions of its own, System's and Microsoft's namespaces unless told
        // otherwise: without these, a grain failing with one of ours or with the database's (a fenced
        // write, PostgreSQL unavailable) reached its caller as a codec error instead of itself.
        services.Configure<ExceptionSerializationOptions>(options =>
        {
            options.SupportedNamespacePrefixes.Add("GrainStream");
            options.SupportedNamespacePrefixes.Add("Npgsql");
        });
        return services;
    }

    private sealed class PlatformRegistered;
}
