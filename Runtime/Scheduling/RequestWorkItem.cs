using GrainStream.Invocation;

namespace GrainStream.Runtime.Scheduling;

/// <summary>Who sent a request that arrived over the network, so its response (or a forwarded copy)
/// goes straight back to the original caller.</summary>
/// <param name="MessageId">The caller's correlation id.</param>
/// <param name="SendingSilo">The silo that sent or relayed it (null when sent by a client directly).</param>
/// <param name="SendingClient">The client that made the call, or <see cref="Guid.Empty"/>.</param>
internal sealed record MessageOrigin(long MessageId, SiloAddress? SendingSilo, Guid SendingClient);

/// <summary>A grain call waiting for or running as a turn.</summary>
internal sealed class RequestWorkItem(GrainId target, Invokable invokable, IInvocationCompletion completion, MessageOrigin? origin, int forwardCount) : WorkItem
{
    public GrainId Target { get; } = target;

    public Invokable Invokable { get; } = invokable;

    public IInvocationCompletion Completion { get; } = completion;

    /// <summary>Null when the caller is in this process.</summary>
    public MessageOrigin? Origin { get; } = origin;

    public int ForwardCount { get; set; } = forwardCount;

    public override InvokeFlags Flags => Invokable.Flags;

    public override ValueTask ExecuteAsync(Catalog.Activation activation) => Invokable.InvokeAsync(activation.GrainInstance!, Completion);

    public override void Reject(Exception exception) => Completion.Fail(exception);
}

/// <summary>A turn that runs runtime code on the activation (activation, deactivation, stream deliveries).</summary>
internal sealed class DelegateWorkItem(Func<ValueTask> action, InvokeFlags flags = InvokeFlags.None, bool countsAsActivity = true, Action<Exception>? onReject = null) : WorkItem
{
    public override InvokeFlags Flags => flags;

    public override bool CountsAsActivity => countsAsActivity;

    public override ValueTask ExecuteAsync(Catalog.Activation activation) => action();

    public override void Reject(Exception exception) => onReject?.Invoke(exception);
}
