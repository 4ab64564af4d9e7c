namespace GrainStream.Grains.Stocks;

/// <summary>The built-in stock simulator, bound from the <c>Stocks</c> configuration section.</summary>
public sealed class StockOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Stocks";

    /// <summary>Whether <see cref="StockSimulatorService"/> starts the simulator on <see cref="Symbols"/> at start-up. Default true.</summary>
    public bool Simulate { get; set; } = true;

    /// <summary>The simulated symbols. Default ACME, GLOBEX, INITECH, UMBRELLA, HOOLI. Configured
    /// values replace the default list (as an array section or one comma-separated string).</summary>
    public IList<string> Symbols { get; set; } = ["ACME", "GLOBEX", "INITECH", "UMBRELLA", "HOOLI"];

    /// <summary>Time between simulated quotes. Default 1 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Standard deviation of each simulated step, relative to the price. Default 0.002.</summary>
    public double Volatility { get; set; } = 0.002;

    /// <summary>Price a simulated symbol starts from when it has none yet. Default 100.</summary>
    public decimal StartPrice { get; set; } = 100m;
}
