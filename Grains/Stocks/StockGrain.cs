using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace GrainStream.Grains.Stocks;

/// <summary>A stock symbol: accepts quotes (pushed, or from its random-walk simulator), keeps
/// last/open/high/low/volume, and publishes each quote as a <c>quote</c> event on
/// <see cref="StockStreams.Symbol"/>. The simulator's settings are stored, and a durable reminder
/// brings the grain back after a restart, so a simulation runs until it is stopped.</summary>
public class StockGrain(
    [FromKeyedServices(PlatformClock.Key)] TimeProvider time,
    ILogger<StockGrain> logger,
    [PersistentState("state")] IPersistentState<StockState> state) : Grain, IStockGrain, IRemindable
{
    internal const string QuoteEvent = "quote";

    /// <summary>Shortest simulation interval accepted.</summary>
    internal static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Longest simulation interval accepted.</summary>
    internal static readonly TimeSpan MaximumInterval = TimeSpan.FromHours(1);

    private const string SimulationReminder = "stock-simulation";

    // The reminder only re-activates a simulated symbol after a restart; the timer does the ticking.
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    private IAsyncStream<StockQuote> _stream = null!;
    private string _symbol = "";
    private Random _random = null!;
    private IGrainTimer? _simulationTimer;
    private bool _reminderRegistered;

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _symbol = this.GetPrimaryKeyString();
        _stream = this.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetStream<StockQuote>(StockStreams.Symbol(_symbol));
        _random = new Random(HashCode.Combine(_symbol, time.GetTimestamp()));
        if (state.State.Simulation is { } simulation) StartTimer(simulation.Interval);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<StockQuote> PushQuote(decimal price, long? volume)
    {
        var accepted = StockPrices.Require(price, nameof(price));
        var quantity = volume ?? 0;
        if (quantity < 0) throw new ArgumentException("volume must be 0 or more.", nameof(volume));
        return AcceptAsync(accepted, quantity);
    }

    /// <inheritdoc/>
    public Task<StockSummary> GetSummary()
    {
        var s = state.State;
        decimal? change = s.Last is { } last && s.Open is { } open ? last.Price - open : null;
        decimal? percent = change is { } c && s.Open is { } o && o != 0 ? Math.Round(c / o * 100m, 4, MidpointRounding.AwayFromZero) : null;
        return Task.FromResult(new StockSummary(_symbol, s.Last, s.Open, s.High, s.Low, change, percent, s.Volume, s.QuoteCount, s.Simulation is not null));
    }

    /// <inheritdoc/>
    public async Task StartSimulation(StockSimulation simulation)
    {
        if (simulation is null) throw new ArgumentException("Simulation settings are required.", nameof(simulation));
        var startPrice = StockPrices.Require(simulation.StartPrice, "startPrice");
        if (simulation.Interval < MinimumInterval || simulation.Interval > MaximumInterval)
        {
            throw new ArgumentException($"interval must be between {MinimumInterval.TotalMilliseconds:0} ms and {MaximumInterval.TotalHours:0} h.", "interval");
        }
        if (!double.IsFinite(simulation.Volatility) || simulation.Volatility is < 0 or > 1)
        {
            throw new ArgumentException("volatility must be between 0 and 1.", "volatility");
        }
        var settings = simulation with { StartPrice = startPrice };

        if (settings != state.State.Simulation)
        {
            state.State.Simulation = settings;
            await WriteStateAsync();
        }
        if (_simulationTimer is null) StartTimer(settings.Interval);
        else _simulationTimer.Change(settings.Interval, settings.Interval);
        if (!_reminderRegistered)
        {
            await this.RegisterOrUpdateReminder(SimulationReminder, ReminderPeriod, ReminderPeriod);
            _reminderRegistered = true;
        }
    }

    /// <inheritdoc/>
    public async Task StopSimulation()
    {
        _simulationTimer?.Dispose();
        _simulationTimer = null;
        if (state.State.Simulation is not null)
        {
            state.State.Simulation = null;
            await WriteStateAsync();
        }
        await this.UnregisterReminderIfAny(SimulationReminder);
        _reminderRegistered = false;
    }

    /// <inheritdoc/>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != SimulationReminder) return;
        _reminderRegistered = true;
        // Activation already restarted the timer; a reminder left over after a stop is removed.
        if (state.State.Simulation is null)
        {
            await this.UnregisterReminderIfAny(SimulationReminder);
            _reminderRegistered = false;
        }
    }

    private void StartTimer(TimeSpan interval)
        => _simulationTimer = this.RegisterGrainTimer(SimulateAsync, new GrainTimerCreationOptions(interval, interval) { KeepAlive = true });

    private async Task SimulateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Simulation is not { } simulation) return;
        var price = state.State.Last is { } last ? StockPrices.Step(last.Price, simulation.Volatility, _random) : simulation.StartPrice;
        await AcceptAsync(price, _random.Next(1, 1000));
    }

    /// <summary>The one quote path (pushed and simulated): update, store, publish.</summary>
    private async Task<StockQuote> AcceptAsync(decimal price, long volume)
    {
        var quote = new StockQuote(_symbol, price, volume, time.GetUtcNow());
        var s = state.State;
        s.Last = quote;
        s.Open ??= price;
        s.High = s.High is { } high ? Math.Max(high, price) : price;
        s.Low = s.Low is { } low ? Math.Min(low, price) : price;
        s.Volume = s.Volume > long.MaxValue - volume ? long.MaxValue : s.Volume + volume;
        s.QuoteCount++;
        await WriteStateAsync();
        await _stream.OnNextAsync(quote);
        return quote;
    }

    private Task WriteStateAsync() => state.WriteOrReloadAsync(DeactivateOnIdle, logger, $"symbol {_symbol}");
}
