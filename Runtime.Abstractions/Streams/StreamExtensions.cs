namespace GrainStream.Streams;

/// <summary>Conveniences for subscribing with delegates.</summary>
public static class StreamExtensions
{
    /// <summary>Subscribes with a delegate per item.</summary>
    public static Task<StreamSubscriptionHandle> SubscribeAsync<T>(this IAsyncStream<T> stream, Func<T, StreamEvent, Task> onNext, StreamSequenceToken? after = null, Func<StreamHistoryTruncated, Task>? onTruncated = null)
        => stream.SubscribeAsync(new DelegateObserver<T>(onNext, onTruncated), after);

    /// <summary>Subscribes with a delegate per raw event.</summary>
    public static Task<StreamSubscriptionHandle> SubscribeAsync(this IRawStream stream, Func<StreamEvent, ValueTask> onNext, StreamSequenceToken? after = null, Func<StreamHistoryTruncated, ValueTask>? onTruncated = null)
        => stream.SubscribeAsync(new DelegateRawObserver(onNext, onTruncated), after);

    private sealed class DelegateObserver<T>(Func<T, StreamEvent, Task> onNext, Func<StreamHistoryTruncated, Task>? onTruncated) : IAsyncObserver<T>
    {
        public Task OnNextAsync(T item, StreamEvent envelope) => onNext(item, envelope);

        public Task OnHistoryTruncatedAsync(StreamHistoryTruncated truncated) => onTruncated?.Invoke(truncated) ?? Task.CompletedTask;
    }

    private sealed class DelegateRawObserver(Func<StreamEvent, ValueTask> onNext, Func<StreamHistoryTruncated, ValueTask>? onTruncated) : IStreamObserver
    {
        public ValueTask OnNextAsync(StreamEvent streamEvent) => onNext(streamEvent);

        public ValueTask OnHistoryTruncatedAsync(StreamHistoryTruncated truncated) => onTruncated?.Invoke(truncated) ?? default;
    }
}
