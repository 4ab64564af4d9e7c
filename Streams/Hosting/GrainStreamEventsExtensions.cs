using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Streams;

namespace GrainStream.Streams;

/// <summary>Registers GrainStream stream providers on silos and clients.</summary>
public static class GrainStreamEventsExtensions
{
    /// <summary>The provider name GrainStream's own grains publish on.</summary>
    public const string DefaultProviderName = "events";

    /// <summary>Adds a GrainStream stream provider named <paramref name="name"/> to the silo. Its
    /// events are committed to the <see cref="IEventLog"/> registered under the same name (keyed);
    /// when none is, they are kept in memory only (<see cref="MemoryEventLog"/>).</summary>
    public static ISiloBuilder AddGrainStreamEvents(this ISiloBuilder builder, string name = DefaultProviderName, Action<EventStreamOptions>? configure = null)
    {
        builder.Services.AddGrainStreamEvents(name, configure);
        builder.Services.TryAddKeyedSingleton<IEventLog>(name, (sp, _) => new MemoryEventLog(sp.GetRequiredService<TimeProvider>()));
        // The hubs' instruments; AddMetrics provides the meter factory where the host has none.
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<StreamHubMetrics>();
        builder.Services.AddSingleton<IHostedService>(sp => new EventLogRetentionSweep(
            sp.GetRequiredKeyedService<IEventLog>(name),
            sp.GetRequiredService<IOptionsMonitor<EventStreamOptions>>().Get(name).Retention,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<EventLogRetentionSweep>>()));
        return builder;
    }

    /// <summary>Adds a GrainStream stream provider named <paramref name="name"/> to the client, to
    /// publish to and subscribe to streams whose hubs live on the cluster's silos.</summary>
    public static IClientBuilder AddGrainStreamEvents(this IClientBuilder builder, string name = DefaultProviderName, Action<EventStreamOptions>? configure = null)
    {
        builder.Services.AddGrainStreamEvents(name, configure);
        return builder;
    }

    /// <summary>Adds a JSON metadata source for stream payloads and grain state (tried before those
    /// added later, reflection last).</summary>
    public static IServiceCollection AddGrainStreamJson(this IServiceCollection services, IJsonTypeInfoResolver resolver)
    {
        services.Configure<GrainStreamJsonOptions>(o =>
        {
            if (!o.Resolvers.Contains(resolver)) o.Resolvers.Add(resolver);
        });
        return services;
    }

    private static void AddGrainStreamEvents(this IServiceCollection services, string name, Action<EventStreamOptions>? configure)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/')) throw new ArgumentException("A stream provider's name cannot contain '/'.", nameof(name));
        var options = services.AddOptions<EventStreamOptions>(name);
        if (configure is not null) options.Configure(configure);
        options.Validate(o => o.CacheSize > 0 && o.ReplayBatchSize > 0 && o.MaxCommitBatch > 0, "CacheSize, ReplayBatchSize and MaxCommitBatch must be positive.")
            .Validate(o => o.RenewPeriod > TimeSpan.Zero && o.SubscriptionLease > o.RenewPeriod, "RenewPeriod must be positive and SubscriptionLease longer than it.")
            .Validate(o => o.GapTimeout > TimeSpan.Zero && o.ResubscribeBackoff > TimeSpan.Zero, "GapTimeout and ResubscribeBackoff must be positive.");
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EventPayloadSerializer>();
        services.AddKeyedSingleton<IStreamProvider>(name, (sp, key) => new GrainStreamProvider(
            name,
            sp.GetRequiredService<IGrainFactory>(),
            sp.GetRequiredService<IOptionsMonitor<EventStreamOptions>>().Get(name),
            sp.GetRequiredService<EventPayloadSerializer>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<GrainStreamProvider>()));
    }

    /// <summary>The raw view of a stream of a GrainStream provider.</summary>
    public static IEventStream GetEventStream(this IStreamProvider provider, StreamId streamId)
        => provider is GrainStreamProvider own ? own.GetEventStream(streamId)
            : throw new NotSupportedException($"Stream provider '{provider.Name}' is not a GrainStream provider; it has no event log to read.");
}
