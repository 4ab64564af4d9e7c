namespace GrainStream.Grains.Stocks;

/// <summary>A stock symbol: quotes pushed by REST or by the simulator, published on <see cref="StockStreams.Symbol"/>.</summary>
public interface IStockGrain : IGrainWithStringKey
{
    /// <summary>Accepts a quote; price must be &gt; 0 and volume ≥ 0 (else <see cref="ArgumentException"/>).</summary>
    Task<StockQuote> PushQuote(decimal price, long? volume);

    /// <summary>Last quote, open, high, low and change.</summary>
    [ReadOnly]
    Task<StockSummary> GetSummary();

    /// <summary>Starts (or retunes) the random-walk simulator; it survives restarts until stopped.</summary>
    Task StartSimulation(StockSimulation simulation);

    /// <summary>Stops the simulator.</summary>
    Task StopSimulation();
}
