using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans;
using Orleans.Providers;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace GrainStream.Persistence;

/// <summary>How a GrainStream persistence provider (SQLite, PostgreSQL) registers its parts with a
/// silo, the same way for each: its grain storage as the default and under its own name, its
/// reminder table in place of any other, and its event log for a stream provider.</summary>
internal static class ProviderRegistration
{
    /// <summary>Registers the grain storage <typeparamref name="TStorage"/> (default and <paramref name="storageName"/>)
    /// and the reminder table <typeparamref name="TReminders"/> with Orleans' reminder service, once
    /// however often it is called; then the event log for <paramref name="streamProviderName"/>,
    /// replacing one registered before (such as the in-memory log <c>AddGrainStreamEvents</c> falls back to).</summary>
    public static void Add<TStorage, TReminders>(IServiceCollection services, string storageName,
        Func<IServiceProvider, TStorage> storage, Func<IServiceProvider, TReminders> reminders,
        string streamProviderName, Func<IServiceProvider, IEventLog> eventLog)
        where TStorage : class, IGrainStorage
        where TReminders : class, IReminderTable
    {
        // Storage and reminders once, however many stream providers call this.
        if (!services.Any(service => service.ServiceType == typeof(TStorage)))
        {
            services.AddSingleton(storage);
            // Orleans' own helper: keyed IGrainStorage, plus the unkeyed default for the default name.
            services.AddGrainStorage(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, (sp, _) => sp.GetRequiredService<TStorage>());
            services.AddGrainStorage(storageName, (sp, _) => sp.GetRequiredService<TStorage>());

            services.AddReminders();
            // One reminder table per silo; replace one configured before (the in-memory one, say).
            services.RemoveAll<IReminderTable>();
            services.AddSingleton(reminders);
            services.AddSingleton<IReminderTable>(sp => sp.GetRequiredService<TReminders>());
        }

        // The stream provider adds its in-memory log with TryAdd: remove it if it came first, and if it
        // comes later, ours already holds the key.
        services.RemoveAllKeyed<IEventLog>(streamProviderName);
        services.AddKeyedSingleton(streamProviderName, (sp, _) => eventLog(sp));
    }
}
