using GrainStream.Persistence.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Providers;
using Orleans.Storage;

namespace GrainStream.Tests.Support;

/// <summary>Puts a test's <see cref="IGrainStorage"/> in front of the silo's SQLite one as its default grain storage.</summary>
public static class GrainStorageDecorator
{
    /// <summary>Makes <paramref name="wrap"/> of the SQLite storage the default grain storage;
    /// <paramref name="created"/> gets each wrapper made (one per silo).</summary>
    public static void Decorate<T>(IServiceCollection services, Func<IGrainStorage, T> wrap, Action<T> created)
        where T : class, IGrainStorage
    {
        services.AddSingleton(sp =>
        {
            var wrapper = wrap(sp.GetRequiredService<SqliteGrainStorage>());
            created(wrapper);
            return wrapper;
        });
        services.AddKeyedSingleton<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME, (sp, _) => sp.GetRequiredService<T>());
        services.AddSingleton<IGrainStorage>(sp => sp.GetRequiredService<T>());
    }
}
