using GrainStream.Invocation;

namespace GrainStream.Runtime.Scheduling;

/// <summary>One turn of an activation: a call, a timer tick or a stream delivery.</summary>
internal abstract class WorkItem
{
    /// <summary>How the turn may interleave with others.</summary>
    public virtual InvokeFlags Flags => InvokeFlags.None;

    /// <summary>False for timer ticks that must not keep the activation from idle collection.</summary>
    public virtual bool CountsAsActivity => true;

    /// <summary>Runs the turn on the activation's context; the task completes when the turn ends.</summary>
    public abstract ValueTask ExecuteAsync(Catalog.Activation activation);

    /// <summary>The activation running the item; set when it starts.</summary>
    public Catalog.Activation? Owner { get; set; }

    /// <summary>The turn in progress while it waits, see <see cref="Catalog.Activation.EndTurn"/>.</summary>
    public ValueTask PendingTurn { get; set; }

    /// <summary>Ends the turn at its activation; made once per item, when its turn first waits.</summary>
    public Action TurnEnded => field ??= () => Owner!.EndTurn(this);

    /// <summary>The activation could not run it (activation failed).</summary>
    public abstract void Reject(Exception exception);
}
