using GrainStream.Persistence.Sqlite;
using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.Serialization.Serializers;

namespace GrainStream.Persistence;

/// <summary>Registers GrainStream's SQLite providers with an Orleans silo.</summary>
public static class SqliteSiloBuilderExtensions
{
    /// <summary>The name the SQLite grain storage is registered under besides the default
    /// (<c>[PersistentState("state", "sqlite")]</c>).</summary>
    public const string StorageName = "sqlite";

    /// <summary>Keeps grain state, reminders and the stream provider <paramref name="streamProviderName"/>'s
    /// event log in one SQLite file (the embedded default: nothing to install), all written through one
    /// <see cref="SqliteDatabase"/>. Registers the grain storage as the default storage provider and as
    /// <see cref="StorageName"/>, the reminder table (with Orleans' reminder service), and the event log
    /// as the <see cref="IEventLog"/> keyed by <paramref name="streamProviderName"/>, replacing one
    /// registered before (such as the in-memory log <c>AddGrainStreamEvents</c> falls back to).</summary>
    /// <remarks>Call it again with another <paramref name="streamProviderName"/> to keep that provider's
    /// log in the same file; the options of every call apply to the one database.</remarks>
    public static ISiloBuilder UseSqlite(this ISiloBuilder builder, Action<SqliteStorageOptions>? configure = null, string streamProviderName = GrainStreamEventsExtensions.DefaultProviderName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(streamProviderName);
        var services = builder.Services;
        var options = services.AddOptions<SqliteStorageOptions>();
        if (configure is not null) options.Configure(configure);
        services.TryAddSingleton(TimeProvider.System);
        // Also registered by the stream provider; whichever comes first wins, both are the same.
        services.TryAddSingleton<EventPayloadSerializer>();

        // The container disposes it at shutdown: the writer finishes its group and the connections close.
        services.TryAddSingleton(sp => new SqliteDatabase(sp.GetRequiredService<IOptions<SqliteStorageOptions>>().Value, sp.GetService<TimeProvider>()));

        ProviderRegistration.Add(services, StorageName,
            sp => new SqliteGrainStorage(
                sp.GetRequiredService<SqliteDatabase>(),
                sp.GetRequiredService<EventPayloadSerializer>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetService<IActivatorProvider>()),
            sp => new SqliteReminderTable(sp.GetRequiredService<SqliteDatabase>()),
            streamProviderName,
            sp => new SqliteEventLog(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
        return builder;
    }
}
