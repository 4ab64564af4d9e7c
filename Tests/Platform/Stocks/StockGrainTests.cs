using GrainStream.Grains.Stocks;
using Orleans.TestingHost;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Platform.Stocks;

public sealed class StockGrainTests(StockClusterFixture fixture) : IClassFixture<StockClusterFixture>
{
    private InProcessTestCluster Cluster => fixture.Cluster;

    private IStockGrain Stock(string symbol) => Cluster.Client.GetGrain<IStockGrain>(symbol);

    [Fact]
    public async Task Quote_updates_open_high_low_and_change()
    {
        var stock = Stock("OHLC");
        var events = await RawStreamRecorder.SubscribeAsync(Cluster, StockStreams.Symbol("OHLC"));

        foreach (var (price, volume) in new (decimal, long?)[] { (100m, 10), (110m, null), (90m, 5), (105m, 1) })
        {
            var quote = await stock.PushQuote(price, volume);
            Assert.Equal(("OHLC", price, volume ?? 0), (quote.Symbol, quote.Price, quote.Volume));
        }

        var summary = await stock.GetSummary();
        Assert.Equal(105m, summary.Last!.Price);
        Assert.Equal((100m, 110m, 90m), (summary.Open!.Value, summary.High!.Value, summary.Low!.Value));
        Assert.Equal((5m, 5m), (summary.Change!.Value, summary.ChangePercent!.Value));
        Assert.Equal((16L, 4L, false), (summary.Volume, summary.QuoteCount, summary.Simulated));
        await Eventually.TrueAsync(() => events.Of<StockQuote>("quote").Count >= 4, "four quote events");
        Assert.Equal([100m, 110m, 90m, 105m], events.Of<StockQuote>("quote").Select(q => q.Price));
    }

    [Fact]
    public async Task Unknown_symbol_has_an_empty_summary()
    {
        var summary = await Stock("NEVER").GetSummary();
        Assert.Equal(("NEVER", null, null, 0L), (summary.Symbol, summary.Last, summary.Change, summary.QuoteCount));
    }

    [Fact]
    public async Task Prices_are_rounded_to_four_decimals()
    {
        var quote = await Stock("ROUND").PushQuote(12.345678m, 1);
        Assert.Equal(12.3457m, quote.Price);
    }

    [Fact]
    public async Task Non_positive_price_is_rejected()
    {
        var stock = Stock("BAD");
        foreach (var price in new[] { 0m, -1m, 0.00001m, 1_000_000_000m })
        {
            var exception = await Assert.ThrowsAsync<ArgumentException>(() => stock.PushQuote(price, 1));
            Assert.Contains("price", exception.Message);
        }
        Assert.Contains("volume", (await Assert.ThrowsAsync<ArgumentException>(() => stock.PushQuote(10m, -1))).Message);
        Assert.Equal(0, (await stock.GetSummary()).QuoteCount);
    }

    [Fact]
    public async Task Invalid_simulation_settings_are_rejected()
    {
        var stock = Stock("BADSIM");
        await Assert.ThrowsAsync<ArgumentException>(() => stock.StartSimulation(new StockSimulation(0m, TimeSpan.FromSeconds(1), 0.01)));
        await Assert.ThrowsAsync<ArgumentException>(() => stock.StartSimulation(new StockSimulation(10m, TimeSpan.Zero, 0.01)));
        await Assert.ThrowsAsync<ArgumentException>(() => stock.StartSimulation(new StockSimulation(10m, TimeSpan.FromSeconds(1), -0.1)));
        Assert.False((await stock.GetSummary()).Simulated);
    }

    [Fact]
    public async Task Simulation_publishes_quotes_and_resumes_after_reactivation()
    {
        var stock = Stock("SIM");
        var events = await RawStreamRecorder.SubscribeAsync(Cluster, StockStreams.Symbol("SIM"));

        await stock.StartSimulation(new StockSimulation(50m, TimeSpan.FromMilliseconds(50), 0.01));
        await Eventually.TrueAsync(() => events.Of<StockQuote>("quote").Count >= 3, "three simulated quotes");
        Assert.Equal(50m, events.Of<StockQuote>("quote")[0].Price);
        Assert.True((await stock.GetSummary()).Simulated);

        await ActivationControl.DeactivateAsync(Cluster, stock);
        var before = (await stock.GetSummary()).QuoteCount; // this call re-activates the symbol
        await Eventually.TrueAsync(async () => (await stock.GetSummary()).QuoteCount >= before + 3, "quotes after re-activation");
        Assert.All(events.Of<StockQuote>("quote"), q => Assert.True(q.Price > 0));

        await stock.StopSimulation();
        Assert.False((await stock.GetSummary()).Simulated);
    }
}
