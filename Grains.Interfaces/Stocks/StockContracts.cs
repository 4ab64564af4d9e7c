using GrainStream.Streams;

namespace GrainStream.Grains.Stocks;

/// <summary>A quote; also the payload of the <c>quote</c> event.</summary>
/// <param name="Symbol">The symbol.</param>
/// <param name="Price">Price, &gt; 0.</param>
/// <param name="Volume">Volume of this quote.</param>
/// <param name="At">When the grain accepted it.</param>
[GenerateSerializer, Immutable]
[StreamEventName("quote")]
public sealed record StockQuote(string Symbol, decimal Price, long Volume, DateTimeOffset At);

/// <summary>A symbol at a glance.</summary>
/// <param name="Symbol">The symbol.</param>
/// <param name="Last">The last quote.</param>
/// <param name="Open">The first price.</param>
/// <param name="High">The highest price.</param>
/// <param name="Low">The lowest price.</param>
/// <param name="Change">Last minus open.</param>
/// <param name="ChangePercent">Change relative to open, in percent.</param>
/// <param name="Volume">Total volume.</param>
/// <param name="QuoteCount">Quotes received.</param>
/// <param name="Simulated">True while the built-in simulator drives the symbol.</param>
[GenerateSerializer, Immutable]
public sealed record StockSummary(string Symbol, StockQuote? Last, decimal? Open, decimal? High, decimal? Low, decimal? Change, decimal? ChangePercent, long Volume, long QuoteCount, bool Simulated);

/// <summary>Random-walk simulation settings.</summary>
/// <param name="StartPrice">Price to start from when the symbol has none.</param>
/// <param name="Interval">Time between quotes.</param>
/// <param name="Volatility">Standard deviation of each step, relative to price (e.g. 0.002).</param>
[GenerateSerializer, Immutable]
public sealed record StockSimulation(decimal StartPrice, TimeSpan Interval, double Volatility);

/// <summary>The streams of stock symbols.</summary>
public static class StockStreams
{
    /// <summary>The symbol's <c>quote</c> events (latest-wins: a slow reader may skip to the newest).</summary>
    public static StreamId Symbol(string symbol) => StreamIds.Create("stock", symbol);
}
