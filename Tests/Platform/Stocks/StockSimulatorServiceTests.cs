using GrainStream.Grains.Stocks;
using GrainStream.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GrainStream.Tests.Platform.Stocks;

public sealed class StockSimulatorServiceTests
{
    [Fact]
    public async Task Configured_symbols_are_simulated_from_start_up()
    {
        await using var cluster = await GrainClusterFactory.StartAsync(silo =>
        {
            silo.Services.AddStockGrains(silo.Configuration);
            silo.Services.Configure<StockOptions>(o =>
            {
                o.Symbols = ["SVC-A", "SVC-B"];
                o.Interval = TimeSpan.FromMilliseconds(50);
            });
        });

        foreach (var symbol in new[] { "SVC-A", "SVC-B" })
        {
            var stock = cluster.Client.GetGrain<IStockGrain>(symbol);
            await Eventually.TrueAsync(async () => (await stock.GetSummary()) is { Simulated: true, QuoteCount: >= 2 }, $"{symbol} simulated");
        }
        await cluster.Client.GetGrain<IStockGrain>("SVC-A").StopSimulation();
        await cluster.Client.GetGrain<IStockGrain>("SVC-B").StopSimulation();
    }

    [Theory]
    [InlineData(null, "ACME,GLOBEX,INITECH,UMBRELLA,HOOLI")]
    [InlineData("array", "AAA,BBB")]
    [InlineData("AAA, BBB", "AAA,BBB")]
    public void Configured_symbols_replace_the_default_list(string? configured, string expected)
    {
        var values = new Dictionary<string, string?>();
        if (configured == "array")
        {
            values["Stocks:Symbols:0"] = "AAA";
            values["Stocks:Symbols:1"] = "BBB";
        }
        else if (configured is not null)
        {
            values["Stocks:Symbols"] = configured;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        using var services = new ServiceCollection().AddStockGrains(configuration).BuildServiceProvider();

        Assert.Equal(expected, string.Join(",", services.GetRequiredService<IOptions<StockOptions>>().Value.Symbols));
    }
}
