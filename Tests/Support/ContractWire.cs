using GrainStream.Grains;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace GrainStream.Tests.Support;

/// <summary>Orleans' serializer as GrainStream's silos and clients configure it: what a value (an
/// exception, say) becomes once it has crossed from one process to another.</summary>
public static class ContractWire
{
    private static readonly Serializer Serializer = new ServiceCollection()
        .AddGrainStreamContracts()
        .AddSerializer()
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    /// <summary><paramref name="value"/> serialised and read back.</summary>
    public static T RoundTrip<T>(T value)
        where T : class
        => Serializer.Deserialize<T>(Serializer.SerializeToArray(value)) ?? throw new InvalidOperationException("The value read back as null.");
}
