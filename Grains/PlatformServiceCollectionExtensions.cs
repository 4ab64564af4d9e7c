using GrainStream.Grains.Chat;
using GrainStream.Grains.Logs;
using GrainStream.Grains.Queues;
using GrainStream.Grains.Stocks;
using GrainStream.Grains.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Grains;

/// <summary>Registers the whole event platform's grains: their JSON metadata, options and hosted
/// services (stock simulator, demo task worker).</summary>
public static class PlatformServiceCollectionExtensions
{
    /// <summary>Adds chat, stocks, tasks, logs and queues; options bind from the sections
    /// <c>Chat</c>, <c>Stocks</c>, <c>Tasks</c>, <c>Logs</c> and <c>Queues</c>.</summary>
    public static IServiceCollection AddGrainStreamPlatform(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddGrainStreamJson(GrainsJsonContext.Default);
        services.AddChatGrains(configuration);
        services.AddStockGrains(configuration);
        services.AddTaskGrains(configuration);
        services.AddLogGrains(configuration);
        services.AddQueueGrains(configuration);
        return services;
    }
}
