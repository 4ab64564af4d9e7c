using System.Text.Json;
using System.Text.Json.Serialization;

namespace GrainStream.Grains.Chat;

/// <summary>Source-generated JSON metadata for the chat room's stored state.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ChatRoomState))]
[JsonSerializable(typeof(GrainStream.Grains.Leases.NodeLeaseState))]
internal sealed partial class ChatStateJsonContext : JsonSerializerContext;
