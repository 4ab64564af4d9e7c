namespace GrainStream.Runtime.Messaging;

/// <summary>The first byte of every frame after its length prefix.</summary>
internal enum FrameKind : byte
{
    /// <summary>Handshake: cluster id, role and identity of the sender.</summary>
    Hello = 1,
    /// <summary>A grain call.</summary>
    Request = 2,
    /// <summary>The result or exception of a call.</summary>
    Response = 3,
    /// <summary>Stream events (and possibly a truncation signal) for subscriptions of the receiver.</summary>
    StreamDelivery = 4,
    /// <summary>Failure-detector probe.</summary>
    Ping = 5,
    /// <summary>Answer to a probe.</summary>
    Pong = 6,
}
