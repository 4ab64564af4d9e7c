using System.Text.Json.Serialization.Metadata;

namespace GrainStream.Streams;

/// <summary>The JSON metadata GrainStream serialises stream payloads (and, in the persistence
/// providers, grain state) with: source-generated contexts of the application, tried in order, then
/// reflection. Add a context with <c>AddGrainStreamJson(MyJsonContext.Default)</c>.</summary>
public sealed class GrainStreamJsonOptions
{
    /// <summary>The resolvers, tried in order. Default: none (reflection only).</summary>
    public IList<IJsonTypeInfoResolver> Resolvers { get; } = [];
}
