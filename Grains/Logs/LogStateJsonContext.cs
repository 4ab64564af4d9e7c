using System.Text.Json;
using System.Text.Json.Serialization;

namespace GrainStream.Grains.Logs;

/// <summary>Source-generated JSON metadata for the persistent state of the log grains.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(LogFileState))]
internal sealed partial class LogStateJsonContext : JsonSerializerContext;
