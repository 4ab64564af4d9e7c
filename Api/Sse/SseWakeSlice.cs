namespace GrainStream.Api.Sse;

/// <summary>A slice of a fan-out for <see cref="SseWakeScheduler"/>: connections, and per connection
/// the frame to send it when its loop was claimed (see <see cref="SseWakeBatch"/>).</summary>
internal readonly record struct SseWakeSlice(SseConnection[] Connections, SseFrame?[] Claimed);
