namespace GrainStream.Api.Sse;

/// <summary>Endpoint metadata: the endpoint answers with an event stream (<see cref="SseStreamResult"/>).</summary>
internal sealed class EventStreamEndpoint
{
    public static readonly EventStreamEndpoint Instance = new();

    private EventStreamEndpoint()
    {
    }
}
