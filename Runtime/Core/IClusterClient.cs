using GrainStream.Streams;

namespace GrainStream.Runtime;

/// <summary>What application code outside grains uses to reach the cluster: grain references and
/// streams. In the embedded mode it is the in-process silo itself; in cluster mode a
/// <see cref="ClusterClient"/> connected over TCP.</summary>
public interface IClusterClient : IGrainFactory
{
    /// <summary>The named stream provider (<c>default</c>).</summary>
    IStreamProvider GetStreamProvider(string name);

    /// <summary>True while at least one silo is reachable.</summary>
    bool IsConnected { get; }
}
