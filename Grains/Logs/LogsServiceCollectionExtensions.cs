using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GrainStream.Grains.Logs;

/// <summary>Registers the log grains' services.</summary>
public static class LogsServiceCollectionExtensions
{
    /// <summary>Binds <see cref="LogOptions"/> to the section <c>Logs</c> (<c>Logs:Root</c> ...) and
    /// registers the <see cref="LogRoot"/>, the silo's <see cref="LogRootWatcher"/> and the JSON
    /// metadata of the log grains' state.</summary>
    public static IServiceCollection AddLogGrains(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<LogOptions>().Bind(configuration.GetSection(LogOptions.SectionName));
        services.TryAddSingleton<LogRoot>();
        services.TryAddSingleton<LogRootWatcher>();
        services.AddGrainStreamJson(LogStateJsonContext.Default);
        return services;
    }
}
