using GrainStream.Persistence.Postgres;
using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Hosting;
using Orleans.Serialization.Serializers;

namespace GrainStream.Persistence;

/// <summary>Registers GrainStream's PostgreSQL providers with an Orleans silo.</summary>
public static class PostgresSiloBuilderExtensions
{
    /// <summary>The name the PostgreSQL grain storage is registered under besides the default
    /// (<c>[PersistentState("state", "postgres")]</c>).</summary>
    public const string StorageName = "postgres";

    /// <summary>Keeps grain state, reminders and the stream provider <paramref name="streamProviderName"/>'s
    /// event log in one PostgreSQL database that the silos of a cluster share, all through one
    /// <see cref="PostgresDatabase"/>. Registers the grain storage as the default storage provider and
    /// as <see cref="StorageName"/>, the reminder table (with Orleans' reminder service, replacing any
    /// other reminder table), and the event log as the <see cref="IEventLog"/> keyed by
    /// <paramref name="streamProviderName"/>, replacing one registered before (such as the in-memory
    /// log <c>AddGrainStreamEvents</c> falls back to).</summary>
    /// <remarks>
    /// <para>Writes go behind the <see cref="PostgresSiloFence"/> registered in the container: the
    /// PostgreSQL clustering registers the silo's own fence; without it, <see cref="PostgresSiloFence.None"/>.</para>
    /// <para>Call it again with another <paramref name="streamProviderName"/> to keep that provider's
    /// log in the same database; the options of every call apply to the one database.</para>
    /// </remarks>
    public static ISiloBuilder UsePostgres(this ISiloBuilder builder, Action<PostgresOptions>? configure = null, string streamProviderName = GrainStreamEventsExtensions.DefaultProviderName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(streamProviderName);
        var services = builder.Services;
        var options = services.AddOptions<PostgresOptions>();
        if (configure is not null) options.Configure(configure);
        services.TryAddSingleton(TimeProvider.System);
        // Also registered by the stream provider; whichever comes first wins, both are the same.
        services.TryAddSingleton<EventPayloadSerializer>();
        // Shared with the clustering, which may have registered it first. The container disposes it
        // at shutdown (asynchronously: it holds the connection pool).
        services.TryAddSingleton<PostgresDatabase>();
        // The clustering registers the silo's real fence (with AddSingleton, before this); only without it are writes unfenced.
        services.TryAddSingleton<PostgresSiloFence>(_ => PostgresSiloFence.None);

        ProviderRegistration.Add(services, StorageName,
            sp => new PostgresGrainStorage(
                sp.GetRequiredService<PostgresDatabase>(),
                sp.GetRequiredService<EventPayloadSerializer>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<PostgresSiloFence>(),
                sp.GetService<IActivatorProvider>()),
            sp => new PostgresReminderTable(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<PostgresSiloFence>()),
            streamProviderName,
            sp => new PostgresEventLog(sp.GetRequiredService<PostgresDatabase>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<PostgresSiloFence>()));
        return builder;
    }
}
