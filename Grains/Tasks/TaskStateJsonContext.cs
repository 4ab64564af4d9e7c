using System.Text.Json;
using System.Text.Json.Serialization;

namespace GrainStream.Grains.Tasks;

/// <summary>Source-generated JSON metadata for the persistent state of the task grains.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(TaskJobState))]
[JsonSerializable(typeof(TaskQueueState))]
internal sealed partial class TaskStateJsonContext : JsonSerializerContext;
