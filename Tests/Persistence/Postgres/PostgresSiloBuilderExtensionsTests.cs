using GrainStream.Persistence;
using GrainStream.Persistence.Postgres;
using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Providers;
using Orleans.Storage;
using Orleans.Timers;

namespace GrainStream.Tests.Persistence.Postgres;

/// <summary>What <c>UsePostgres</c> registers. Nothing here connects: a data source opens no
/// connection until it is used.</summary>
public sealed class PostgresSiloBuilderExtensionsTests
{
    private static void Configure(PostgresOptions options) => options.ConnectionString = "Host=127.0.0.1;Port=1;Database=unused";

    private static ServiceProvider Build(Action<ISiloBuilder> configure)
    {
        var builder = new TestSiloBuilder();
        configure(builder);
        return builder.Services.BuildServiceProvider();
    }

    [Fact]
    public async Task Grain_storage_is_the_default_provider_and_is_also_named_postgres()
    {
        await using var services = Build(silo => silo.UsePostgres(Configure));

        var byDefault = services.GetRequiredKeyedService<IGrainStorage>(ProviderConstants.DEFAULT_STORAGE_PROVIDER_NAME);

        Assert.IsType<PostgresGrainStorage>(byDefault);
        Assert.Same(byDefault, services.GetRequiredKeyedService<IGrainStorage>(PostgresSiloBuilderExtensions.StorageName));
        Assert.Same(byDefault, services.GetRequiredService<IGrainStorage>());
    }

    [Fact]
    public async Task Reminders_are_enabled_and_kept_in_postgres_replacing_another_reminder_table()
    {
        var silo = new TestSiloBuilder();
        silo.UseInMemoryReminderService().UsePostgres(Configure);
        await using var services = silo.Services.BuildServiceProvider();

        Assert.IsType<PostgresReminderTable>(services.GetRequiredService<IReminderTable>());
        Assert.Single(services.GetServices<IReminderTable>());
        Assert.Contains(silo.Services, service => service.ServiceType == typeof(IReminderRegistry));
    }

    [Fact]
    public async Task Event_log_of_the_events_provider_is_kept_in_postgres_whether_the_provider_is_added_first_or_later()
    {
        await using var first = Build(silo => silo.AddGrainStreamEvents().UsePostgres(Configure));
        await using var later = Build(silo => silo.UsePostgres(Configure).AddGrainStreamEvents());

        foreach (var services in new[] { first, later })
        {
            Assert.IsType<PostgresEventLog>(services.GetRequiredKeyedService<IEventLog>(GrainStreamEventsExtensions.DefaultProviderName));
            Assert.Single(services.GetKeyedServices<IEventLog>(GrainStreamEventsExtensions.DefaultProviderName));
        }
    }

    [Fact]
    public async Task Registering_for_two_stream_providers_keeps_one_database_one_storage_and_one_reminder_table()
    {
        await using var services = Build(silo => silo.UsePostgres(Configure).UsePostgres(streamProviderName: "audit"));

        Assert.Single(services.GetServices<PostgresDatabase>());
        Assert.Single(services.GetServices<IReminderTable>());
        Assert.Single(services.GetKeyedServices<IGrainStorage>(PostgresSiloBuilderExtensions.StorageName));
        Assert.IsType<PostgresEventLog>(services.GetRequiredKeyedService<IEventLog>("audit"));
        Assert.IsType<PostgresEventLog>(services.GetRequiredKeyedService<IEventLog>(GrainStreamEventsExtensions.DefaultProviderName));
    }

    [Fact]
    public async Task Without_clustering_writes_are_not_fenced()
    {
        await using var services = Build(silo => silo.UsePostgres(Configure));

        Assert.Same(PostgresSiloFence.None, services.GetRequiredService<PostgresSiloFence>());
    }

    [Fact]
    public async Task A_fence_registered_before_by_the_clustering_is_the_one_used()
    {
        var fence = new PostgresSiloFence("c", "127.0.0.1", 11111, 1);

        await using var services = Build(silo =>
        {
            silo.Services.AddSingleton(fence);
            silo.UsePostgres(Configure);
        });

        Assert.Same(fence, services.GetRequiredService<PostgresSiloFence>());
        Assert.Single(services.GetServices<PostgresSiloFence>());
    }
}
