using System.Text.Json;
using System.Text.Json.Serialization;

namespace GrainStream.Grains.Stocks;

/// <summary>Source-generated JSON metadata for the stock symbol's stored state.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StockState))]
internal sealed partial class StockStateJsonContext : JsonSerializerContext;
