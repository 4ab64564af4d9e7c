using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Grains.Tasks;

/// <summary>Registers the task grains' services.</summary>
public static class TasksServiceCollectionExtensions
{
    /// <summary>Binds <see cref="TaskOptions"/> to the section <c>Tasks</c>, registers the JSON
    /// metadata of the task grains' state and the demo worker (a hosted service that does nothing
    /// when <see cref="TaskOptions.DemoWorker"/> is false, so tests can switch it off with
    /// <c>Configure&lt;TaskOptions&gt;</c>). Needs an <c>IClusterClient</c> (a silo or a client) in the same services.</summary>
    public static IServiceCollection AddTaskGrains(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TaskOptions>().Bind(configuration.GetSection(TaskOptions.SectionName))
            .Validate(o => o.MaxQueueDepth > 0, "Tasks:MaxQueueDepth must be positive.")
            .Validate(o => o.MaxLeaseSeconds >= TaskRules.MinLease.TotalSeconds && o.MaxLeaseSeconds <= TaskRules.MaxLease.TotalSeconds,
                "Tasks:MaxLeaseSeconds must be between 1 and 3600.")
            .Validate(o => o.DefaultLease >= TaskRules.MinLease && o.DefaultLease <= o.MaxLease, "Tasks:DefaultLease must be between 1 s and Tasks:MaxLeaseSeconds.")
            .Validate(o => o.Retention > TimeSpan.Zero && o.RetentionCheckPeriod > TimeSpan.Zero, "Tasks:Retention and Tasks:RetentionCheckPeriod must be positive.")
            .ValidateOnStart();
        services.AddGrainStreamJson(TaskStateJsonContext.Default);
        services.AddHostedService<DemoTaskWorker>();
        return services;
    }
}
