using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GrainStream.Grains.Queues;

/// <summary>Registers what message queues need.</summary>
public static class QueuesServiceCollectionExtensions
{
    /// <summary>Binds <see cref="QueueOptions"/> from the <c>Queues</c> section and registers the
    /// queue state's JSON metadata and the queues' depth meter.</summary>
    public static IServiceCollection AddQueueGrains(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<QueueOptions>()
            .Bind(configuration.GetSection(QueueOptions.SectionName))
            .Validate(o => o.VisibilityTimeout > TimeSpan.Zero && o.SweepInterval > TimeSpan.Zero && o.ReminderPeriod > TimeSpan.Zero && o.MaxConsumerLease > TimeSpan.Zero,
                "Queues:VisibilityTimeout, Queues:SweepInterval, Queues:ReminderPeriod and Queues:MaxConsumerLease must be positive.")
            .Validate(o => o.MaxInFlightPerConsumer > 0 && o.MaxMessageBytes > 0 && o.MaxDepth > 0,
                "Queues:MaxInFlightPerConsumer, Queues:MaxMessageBytes and Queues:MaxDepth must be positive.")
            .Validate(o => o.MaxDeliveries >= 0 && o.MaxVisibilityExtension >= TimeSpan.FromSeconds(1),
                "Queues:MaxDeliveries must not be negative and Queues:MaxVisibilityExtension must be at least 1 s.")
            .ValidateOnStart();
        services.AddGrainStreamJson(QueueStateJsonContext.Default);
        services.TryAddSingleton<QueueMetrics>();
        return services;
    }
}
