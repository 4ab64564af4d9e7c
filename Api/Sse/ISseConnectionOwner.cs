namespace GrainStream.Api.Sse;

/// <summary>What a connection's drain loop tells once it has ended (see <see cref="SseConnection.RunAsync"/>).</summary>
internal interface ISseConnectionOwner
{
    /// <summary>The loop of <paramref name="connection"/> has ended: detach it from what it was attached to.</summary>
    void Ended(SseConnection connection);
}
