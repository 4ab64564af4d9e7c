using GrainStream.Invocation;
using GrainStream.Runtime.Messaging;

namespace GrainStream.Runtime.Scheduling;

/// <summary>A grain call waiting for or running as a turn.</summary>
internal class RequestWorkItem : WorkItem
{
    private readonly IInvocationCompletion? _completion;

    /// <summary>A call made in this process.</summary>
    public RequestWorkItem(GrainId target, Invokable invokable, IInvocationCompletion completion) : this(target, invokable, forwardCount: 0)
        => _completion = completion;

    /// <summary>A call that arrived over the network: the subclass is its own completion (one object per call, not two).</summary>
    protected RequestWorkItem(GrainId target, Invokable invokable, int forwardCount)
    {
        Target = target;
        Invokable = invokable;
        ForwardCount = forwardCount;
    }

    public GrainId Target { get; }

    public Invokable Invokable { get; }

    public IInvocationCompletion Completion => _completion ?? (IInvocationCompletion)this;

    /// <summary>Who sent the call; null when the caller is in this process.</summary>
    public RemoteRequest? Origin => this as RemoteRequest;

    public int ForwardCount { get; set; }

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
