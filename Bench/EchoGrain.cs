using Orleans.Placement;

namespace GrainStream.Bench;

/// <summary>The call target: returns its argument.</summary>
public interface IEchoGrain : IGrainWithStringKey
{
    /// <summary>Returns <paramref name="value"/>.</summary>
    Task<int> Echo(int value);
}

/// <summary>Activated where it is first called from, unless a placement hint says otherwise
/// (<see cref="BenchCluster.PlaceOnAsync"/>), so each scenario puts its targets where it says.</summary>
[PreferLocalPlacement]
public sealed class EchoGrain : Grain, IEchoGrain
{
    /// <inheritdoc/>
    public Task<int> Echo(int value) => Task.FromResult(value);
}
