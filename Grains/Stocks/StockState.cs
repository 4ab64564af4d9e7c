namespace GrainStream.Grains.Stocks;

/// <summary>What a stock symbol stores.</summary>
public sealed class StockState
{
    /// <summary>The last quote, null before the first.</summary>
    public StockQuote? Last { get; set; }

    /// <summary>The first price.</summary>
    public decimal? Open { get; set; }

    /// <summary>The highest price.</summary>
    public decimal? High { get; set; }

    /// <summary>The lowest price.</summary>
    public decimal? Low { get; set; }

    /// <summary>Total volume (saturates at <see cref="long.MaxValue"/>).</summary>
    public long Volume { get; set; }

    /// <summary>Quotes received.</summary>
    public long QuoteCount { get; set; }

    /// <summary>The simulator's settings while it runs; null when it is off.</summary>
    public StockSimulation? Simulation { get; set; }
}
