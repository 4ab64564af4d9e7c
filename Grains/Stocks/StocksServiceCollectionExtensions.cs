using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace GrainStream.Grains.Stocks;

/// <summary>Registers what stock symbols need.</summary>
public static class StocksServiceCollectionExtensions
{
    /// <summary>Binds <see cref="StockOptions"/> from the <c>Stocks</c> section, registers the
    /// symbol state's JSON metadata and the <see cref="StockSimulatorService"/> (idle when
    /// <c>Stocks:Simulate</c> is false).</summary>
    public static IServiceCollection AddStockGrains(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(StockOptions.SectionName);
        services.AddOptions<StockOptions>()
            .Bind(section)
            .Configure(o =>
            {
                // The binder would append configured symbols to the default list; configured ones replace it.
                var symbols = section.GetSection(nameof(StockOptions.Symbols));
                if (symbols.Value is { } commaSeparated) o.Symbols = [.. commaSeparated.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                else if (symbols.Exists()) o.Symbols = [.. symbols.GetChildren().Select(c => c.Value).OfType<string>()];
            })
            .Validate(o => o.Symbols.All(EntityKey.IsValid), $"Stocks:Symbols must all match {EntityKey.Pattern}.")
            .Validate(o => o.Interval >= StockGrain.MinimumInterval && o.Interval <= StockGrain.MaximumInterval, "Stocks:Interval must be between 10 ms and 1 h.")
            .Validate(o => double.IsFinite(o.Volatility) && o.Volatility is >= 0 and <= 1, "Stocks:Volatility must be between 0 and 1.")
            .Validate(o => o.StartPrice >= StockPrices.Minimum && o.StartPrice < StockPrices.Maximum, "Stocks:StartPrice must be greater than 0 and less than 1,000,000,000.")
            .ValidateOnStart();
        services.AddGrainStreamJson(StockStateJsonContext.Default);
        // TryAddEnumerable: calling this twice (silo and client set-up in one process) starts one simulator.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, StockSimulatorService>());
        return services;
    }
}
