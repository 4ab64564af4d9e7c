using GrainStream.Grains.Stocks;
using Orleans.TestingHost;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Platform.Stocks;

/// <summary>One cluster for the stock specifications, with the start-up simulator off (each test
/// drives its own symbols).</summary>
public sealed class StockClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await GrainClusterFactory.StartAsync(silo =>
    {
        silo.Services.AddStockGrains(silo.Configuration);
        silo.Services.Configure<StockOptions>(o => o.Simulate = false);
    });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
