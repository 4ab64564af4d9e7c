namespace GrainStream.Streams;

/// <summary>A publish named the position its event must take (<c>OnNextAsync(item, token)</c>), and
/// the stream is elsewhere: another writer got there first, or the publisher's view is stale. Nothing
/// was published; <see cref="Last"/> says where the stream stands.</summary>
[GenerateSerializer, Alias("gs.StreamPositionConflictException")]
public sealed class StreamPositionConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StreamPositionConflictException(string message, EventPosition expected, EventPosition last) : base(message)
    {
        Expected = expected;
        Last = last;
    }

    /// <summary>The position the publisher asked for.</summary>
    [Id(0)]
    public EventPosition Expected { get; }

    /// <summary>The stream's last committed position.</summary>
    [Id(1)]
    public EventPosition Last { get; }
}

/// <summary>Passed to <c>IAsyncObserver.OnErrorAsync</c> of an observer that does not implement
/// <see cref="IStreamHistoryObserver"/>: history does not reach back to the requested position. The
/// subscription continues with <see cref="StreamHistoryTruncated.FirstAvailable"/>.</summary>
[GenerateSerializer, Alias("gs.StreamHistoryTruncatedException")]
public sealed class StreamHistoryTruncatedException : Exception
{
    /// <summary>Creates the exception for <paramref name="truncated"/>.</summary>
    public StreamHistoryTruncatedException(StreamHistoryTruncated truncated)
        : base($"The history of {truncated.StreamId} does not reach back to {truncated.Requested} ({truncated.Reason}); continuing with {truncated.FirstAvailable}.")
        => Truncated = truncated;

    /// <summary>The signal.</summary>
    [Id(0)]
    public StreamHistoryTruncated Truncated { get; }
}

/// <summary>Implemented by a stream observer that wants the typed history-truncated signal instead of
/// an <see cref="StreamHistoryTruncatedException"/> in <c>OnErrorAsync</c>.</summary>
public interface IStreamHistoryObserver
{
    /// <summary>History does not reach back to the requested position; called before any later event.</summary>
    Task OnHistoryTruncatedAsync(StreamHistoryTruncated truncated);
}

/// <summary>A publish did not complete because its stream was deleted meanwhile
/// (<see cref="IEventStream.DeleteAsync"/>); nothing was published.</summary>
[GenerateSerializer, Alias("gs.StreamDeletedException")]
public sealed class StreamDeletedException(string message) : Exception(message);
