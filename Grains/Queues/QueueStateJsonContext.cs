using System.Text.Json;
using System.Text.Json.Serialization;

namespace GrainStream.Grains.Queues;

/// <summary>Source-generated JSON metadata for the message queue's stored state.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(QueueState))]
[JsonSerializable(typeof(GrainStream.Grains.Leases.NodeLeaseState))]
internal sealed partial class QueueStateJsonContext : JsonSerializerContext;
