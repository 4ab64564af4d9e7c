using System.Text.Json;
using System.Text.Json.Serialization;

namespace GrainStream.Api.Contracts;

/// <summary>Source-generated JSON metadata for the API's own requests and responses (camelCase);
/// the grains' records come from <see cref="Grains.GrainsJsonContext"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PostChatMessageRequest))]
[JsonSerializable(typeof(MarkReadRequest))]
[JsonSerializable(typeof(PushQuoteRequest))]
[JsonSerializable(typeof(CreateTaskRequest))]
[JsonSerializable(typeof(ClaimTaskRequest))]
[JsonSerializable(typeof(TaskProgressRequest))]
[JsonSerializable(typeof(CompleteTaskRequest))]
[JsonSerializable(typeof(FailTaskRequest))]
[JsonSerializable(typeof(EnqueueMessageRequest))]
[JsonSerializable(typeof(EnqueueMessageResponse))]
[JsonSerializable(typeof(AckMessagesRequest))]
[JsonSerializable(typeof(NackMessagesRequest))]
[JsonSerializable(typeof(ExtendVisibilityRequest))]
[JsonSerializable(typeof(AppendLinesResponse))]
[JsonSerializable(typeof(HealthStatus))]
[JsonSerializable(typeof(DevTokenRequest))]
[JsonSerializable(typeof(DevTokenResponse))]
[JsonSerializable(typeof(AuthConfig))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
