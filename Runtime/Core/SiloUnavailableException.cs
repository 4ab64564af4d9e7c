namespace GrainStream.Runtime;

/// <summary>The silo a call was sent to is gone or unreachable; the call may or may not have run.</summary>
public sealed class SiloUnavailableException(string message) : Exception(message);
