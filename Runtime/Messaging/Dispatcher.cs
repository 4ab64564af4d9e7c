using GrainStream.Invocation;
using GrainStream.Runtime.Placement;
using GrainStream.Runtime.Scheduling;
using GrainStream.Runtime.Transport;
using Microsoft.Extensions.Logging;

namespace GrainStream.Runtime.Messaging;

/// <summary>Delivers calls to activations: to the local one when there is one, otherwise to where
/// the directory says the grain lives, otherwise to the silo placement chooses, activating the
/// grain here when this is that silo. A stale view costs at most a few forwards, never a second
/// activation: the directory registration decides.</summary>
internal sealed class Dispatcher(SiloRuntime silo)
{
    public void Dispatch(RequestWorkItem item)
    {
        if (silo.Catalog.TryGet(item.Target, out var activation))
        {
            activation.Enqueue(item);
            return;
        }
        _ = RouteAsync(item);
    }

    /// <summary>Work left behind by an activation that went away.</summary>
    public void Reroute(WorkItem item)
    {
        if (item is RequestWorkItem request) Dispatch(request);
        else item.Reject(new InvalidOperationException("The activation was deactivated."));
    }

    private async Task RouteAsync(RequestWorkItem item)
    {
        try
        {
            var target = item.Target;
            var view = silo.Membership.View;
            if (silo.Locator.TryGetCached(target, out var cached))
            {
                if (!cached.Silo.Equals(silo.Address) && view.IsActive(cached.Silo))
                {
                    SendRemote(item, cached.Silo);
                    return;
                }
                silo.Locator.Forget(cached);
            }

            var registered = await silo.Locator.LookupAsync(target).ConfigureAwait(false);
            if (silo.Catalog.TryGet(target, out var activation))
            {
                activation.Enqueue(item);
                return;
            }
            if (registered is not null)
            {
                if (registered.Silo.Equals(silo.Address) || view.DeadSilos.Contains(registered.Silo))
                {
                    // The registered activation is gone (deactivated here, or its silo died): replace it.
                    silo.Catalog.GetOrCreate(target, previous: registered).Enqueue(item);
                }
                else
                {
                    SendRemote(item, registered.Silo);
                }
                return;
            }

            var placed = RendezvousPlacement.Choose(target, view.ActiveSilos) ?? silo.Address;
            if (placed.Equals(silo.Address) || item.ForwardCount >= silo.MessagingOptions.MaxForwardCount)
            {
                silo.Catalog.GetOrCreate(target, previous: null).Enqueue(item);
            }
            else
            {
                SendRemote(item, placed);
            }
        }
        catch (Exception exception)
        {
            silo.Logger.LogDebug(exception, "Routing a call to {GrainId} failed", item.Target);
            item.Reject(exception);
        }
    }

    private void SendRemote(RequestWorkItem item, SiloAddress destination)
    {
        PooledBufferWriter frame;
        if (item.Origin is null)
        {
            var callback = (IResponseCallback)item.Completion;
            callback.TargetSilo = destination;
            frame = MessageCodec.EncodeRequest(callback.Id, silo.AddressText, Guid.Empty, item.Target, item.Invokable, 0, silo.Serializer);
        }
        else
        {
            var origin = item.Origin;
            frame = MessageCodec.EncodeRequest(origin.MessageId, origin.SendingSilo?.ToString() ?? silo.AddressText, origin.SendingClient, item.Target, item.Invokable, item.ForwardCount + 1, silo.Serializer);
        }
        if (!silo.Connections.Send(destination, frame))
        {
            item.Reject(new SiloUnavailableException($"Could not send {item.Invokable} for {item.Target} to silo {destination}."));
        }
    }
}

/// <summary>A call that arrived over the network: the work item, who sent it (so that its response,
/// or a forwarded copy, goes straight back to the original caller), and its completion, which sends
/// that response.</summary>
internal sealed class RemoteRequest(SiloRuntime silo, GrainId target, Invokable invokable, int forwardCount,
    long messageId, SiloAddress? sendingSilo, Guid sendingClient, Connection? arrival) : RequestWorkItem(target, invokable, forwardCount), IInvocationCompletion
{
    /// <summary>The caller's correlation id.</summary>
    public long MessageId { get; } = messageId;

    /// <summary>The silo that sent or relayed it (null when sent by a client directly).</summary>
    public SiloAddress? SendingSilo { get; } = sendingSilo;

    /// <summary>The client that made the call, or <see cref="Guid.Empty"/>.</summary>
    public Guid SendingClient { get; } = sendingClient;

    public void Complete<T>(T result)
    {
        PooledBufferWriter frame;
        try
        {
            frame = MessageCodec.EncodeResponse(MessageId, SendingClient, result, silo.Serializer);
        }
        catch (Exception exception)
        {
            Fail(new InvalidOperationException($"The result could not be serialised: {exception.Message}", exception));
            return;
        }
        Reply(silo, MessageId, SendingSilo, SendingClient, arrival, frame);
    }

    public void Fail(Exception exception) => Reply(silo, MessageId, SendingSilo, SendingClient, arrival, MessageCodec.EncodeError(MessageId, SendingClient, exception));

    /// <summary>Sends a response to the caller of a request; <paramref name="arrival"/> is the
    /// connection the request came on, used when it reaches the caller.</summary>
    public static void Reply(SiloRuntime silo, long messageId, SiloAddress? sendingSilo, Guid sendingClient, Connection? arrival, PooledBufferWriter frame)
    {
        if (arrival is { IsClosed: false } connection
            && (sendingClient != Guid.Empty ? connection.RemoteClient == sendingClient : sendingSilo is not null && sendingSilo.Equals(connection.RemoteSilo)))
        {
            connection.Send(frame);
        }
        else if (sendingClient != Guid.Empty && silo.Connections.IsClientConnected(sendingClient))
        {
            silo.Connections.TrySendToClient(sendingClient, frame);
        }
        else if (sendingSilo is { } sender && !sender.Equals(silo.Address))
        {
            silo.Connections.Send(sender, frame);
        }
        else
        {
            frame.Release();
            silo.Logger.LogDebug("Dropped a response for message {MessageId}: its caller is no longer connected", messageId);
        }
    }
}
