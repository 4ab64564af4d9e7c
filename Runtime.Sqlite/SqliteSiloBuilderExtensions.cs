using GrainStream.Runtime;
using GrainStream.Runtime.Hosting;
using GrainStream.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GrainStream.Sqlite;

/// <summary>Registers the SQLite providers with a silo.</summary>
public static class SqliteSiloBuilderExtensions
{
    /// <summary>Stores grain state (as the default storage, or <paramref name="storageName"/>) and the
    /// stream event log in one SQLite file: the embedded default, nothing to install.</summary>
    public static ISiloBuilder UseSqlite(this ISiloBuilder builder, Action<SqliteStorageOptions>? configure = null, string storageName = GrainStreamDefaults.StorageName)
    {
        var options = new SqliteStorageOptions();
        configure?.Invoke(options);
        builder.Services.TryAddSingleton(_ => new SqliteDatabase(options));
        builder.Services.AddKeyedSingleton<IGrainStorage>(storageName, (sp, _) => new SqliteGrainStorage(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
        builder.Services.RemoveAll<IEventLog>();
        builder.Services.AddSingleton<IEventLog>(sp => new SqliteEventLog(sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<TimeProvider>()));
        return builder;
    }
}
