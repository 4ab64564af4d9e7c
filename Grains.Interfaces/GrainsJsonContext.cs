using System.Text.Json;
using System.Text.Json.Serialization;
using GrainStream.Grains.Chat;
using GrainStream.Grains.Logs;
using GrainStream.Grains.Queues;
using GrainStream.Grains.Stocks;
using GrainStream.Grains.Tasks;

namespace GrainStream.Grains;

/// <summary>Source-generated JSON metadata for every record the grains exchange and publish.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ChatMessage))]
[JsonSerializable(typeof(PostMessageCommand))]
[JsonSerializable(typeof(PostMessageResult))]
[JsonSerializable(typeof(ChatRoomSummary))]
[JsonSerializable(typeof(ReadReceipt))]
[JsonSerializable(typeof(PresenceChanged))]
[JsonSerializable(typeof(IReadOnlyList<ChatMessage>))]
[JsonSerializable(typeof(StockQuote))]
[JsonSerializable(typeof(StockSummary))]
[JsonSerializable(typeof(StockSimulation))]
[JsonSerializable(typeof(CreateTaskCommand))]
[JsonSerializable(typeof(TaskJobView))]
[JsonSerializable(typeof(TaskProgress))]
[JsonSerializable(typeof(TaskQueueStats))]
[JsonSerializable(typeof(WorkerReportOutcome))]
[JsonSerializable(typeof(LogLine))]
[JsonSerializable(typeof(LogRotated))]
[JsonSerializable(typeof(LogFileInfo))]
[JsonSerializable(typeof(LogFileStatus))]
[JsonSerializable(typeof(IReadOnlyList<LogFileInfo>))]
[JsonSerializable(typeof(QueueDelivery))]
[JsonSerializable(typeof(QueueStats))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(IReadOnlyList<long>))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(TimeSpan))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(long?))]
public sealed partial class GrainsJsonContext : JsonSerializerContext;
