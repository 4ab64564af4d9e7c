using GrainStream.Persistence;
using GrainStream.Persistence.Sqlite;
using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Hosting;
using Orleans.Providers;
using Orleans.Storage;
using Orleans.Timers;
using Xunit;

namespace GrainStream.Tests.Persistence;

public sealed class SqliteSiloBuilderExtensionsTests : IDisposable
{
    private readonly TemporaryDatabaseFile _file = new();

    public void Dispose() => _file.Dispose();

    private ServiceProvider Build(Action<ISiloBuilder> configure)
    {
        var builder = new TestSiloBuilder();
        configure(builder);
        return builder.Services.BuildServiceProvider();
    }

    private void OnFile(SqliteStorageOptions options) => options.ConnectionString = SqliteConnectionStrings.ForFile(_file.FilePath);

    [Fact]
    public async Task Grain_storage_is_the_default_provider_and_is_also_named_sqlite()
    {
        await using var services = Build(silo => silo.UseSqlite(OnFile));

        var byDefault = services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);

        Assert.IsType<SqliteGrainStorage>(byDefault);
        Assert.Same(byDefault, services.GetRequiredKeyedService<IGrainStorage>("sqlite"));
        Assert.Same(byDefault, services.GetRequiredService<IGrainStorage>());
    }

    [Fact]
    public async Task Event_log_of_the_events_provider_is_kept_in_sqlite_when_the_provider_is_added_first()
    {
        await using var services = Build(silo => silo.AddGrainStreamEvents().UseSqlite(OnFile));

        Assert.IsType<SqliteEventLog>(services.GetRequiredKeyedService<IEventLog>(GrainStreamEventsExtensions.DefaultProviderName));
        Assert.Single(services.GetKeyedServices<IEventLog>(GrainStreamEventsExtensions.DefaultProviderName));
    }

    [Fact]
    public async Task Event_log_of_the_events_provider_is_kept_in_sqlite_when_the_provider_is_added_later()
    {
        await using var services = Build(silo => silo.UseSqlite(OnFile).AddGrainStreamEvents());

        Assert.IsType<SqliteEventLog>(services.GetRequiredKeyedService<IEventLog>(GrainStreamEventsExtensions.DefaultProviderName));
        Assert.Single(services.GetKeyedServices<IEventLog>(GrainStreamEventsExtensions.DefaultProviderName));
    }

    [Fact]
    public async Task Event_log_of_another_stream_provider_is_registered_under_its_name()
    {
        await using var services = Build(silo => silo.AddGrainStreamEvents("audit").UseSqlite(OnFile, "audit"));

        Assert.IsType<SqliteEventLog>(services.GetRequiredKeyedService<IEventLog>("audit"));
        Assert.Null(services.GetKeyedService<IEventLog>(GrainStreamEventsExtensions.DefaultProviderName));
    }

    [Fact]
    public async Task Reminders_are_enabled_and_kept_in_sqlite()
    {
        var silo = new TestSiloBuilder();
        silo.UseInMemoryReminderService().UseSqlite(OnFile);
        await using var services = silo.Services.BuildServiceProvider();

        Assert.IsType<SqliteReminderTable>(services.GetRequiredService<IReminderTable>());
        Assert.Single(services.GetServices<IReminderTable>());
        // Orleans' reminder service itself needs a running silo; its registration is what is checked here.
        Assert.Contains(silo.Services, service => service.ServiceType == typeof(IReminderRegistry));
    }

    [Fact]
    public async Task All_providers_share_one_database_configured_by_the_options()
    {
        await using var services = Build(silo => silo.UseSqlite(options =>
        {
            OnFile(options);
            options.Synchronous = SqliteSynchronousMode.Normal;
        }));

        var database = services.GetRequiredService<SqliteDatabase>();
        await services.GetRequiredService<IReminderTable>().StartAsync();

        Assert.True(File.Exists(_file.FilePath));
        using var connection = database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous";
        Assert.Equal(1L, command.ExecuteScalar());
    }

    [Fact]
    public async Task Registering_for_two_stream_providers_keeps_one_storage_and_one_reminder_table()
    {
        await using var services = Build(silo => silo.UseSqlite(OnFile).UseSqlite(streamProviderName: "audit"));

        Assert.Single(services.GetServices<IReminderTable>());
        Assert.Single(services.GetKeyedServices<IGrainStorage>("sqlite"));
        Assert.IsType<SqliteEventLog>(services.GetRequiredKeyedService<IEventLog>("audit"));
        Assert.IsType<SqliteEventLog>(services.GetRequiredKeyedService<IEventLog>(GrainStreamEventsExtensions.DefaultProviderName));
    }
}
