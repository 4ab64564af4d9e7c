namespace GrainStream.Grains.Stocks;

/// <summary>Price rules: what a quote may carry, how prices are rounded, and the simulator's step.</summary>
internal static class StockPrices
{
    /// <summary>Decimal places kept.</summary>
    public const int Decimals = 4;

    /// <summary>The smallest price after rounding.</summary>
    public const decimal Minimum = 0.0001m;

    /// <summary>Prices must stay below this.</summary>
    public const decimal Maximum = 1_000_000_000m;

    /// <summary>Rounds to <see cref="Decimals"/> places.</summary>
    public static decimal Round(decimal price) => Math.Round(price, Decimals, MidpointRounding.AwayFromZero);

    /// <summary>The price rounded; <see cref="ArgumentException"/> unless it is &gt; 0 (at least
    /// <see cref="Minimum"/> once rounded) and below <see cref="Maximum"/>.</summary>
    public static decimal Require(decimal price, string field)
    {
        var rounded = Round(price);
        if (rounded < Minimum || rounded >= Maximum)
        {
            throw new ArgumentException($"{field} must be greater than 0 (at least {Minimum}) and less than {Maximum:0}.", field);
        }
        return rounded;
    }

    /// <summary>One step of a geometric random walk: the price times e^(volatility·z) for a
    /// standard normal z, which never reaches 0; a step that would leave the allowed range stays put.</summary>
    public static decimal Step(decimal price, double volatility, Random random)
    {
        var next = (double)price * Math.Exp(volatility * StandardNormal(random));
        if (!double.IsFinite(next) || next >= (double)Maximum) return price;
        var rounded = Round((decimal)next);
        return rounded < Minimum ? Minimum : rounded;
    }

    // Box-Muller transform.
    private static double StandardNormal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
