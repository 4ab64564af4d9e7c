using GrainStream.Invocation;
using GrainStream.Runtime.Configuration;
using GrainStream.Runtime.Directory;
using GrainStream.Runtime.Membership;
using GrainStream.Runtime.Messaging;
using GrainStream.Runtime.Scheduling;
using GrainStream.Runtime.Streams;
using GrainStream.Runtime.Transport;
using GrainStream.Serialization;
using GrainStream.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrainStream.Runtime;

/// <summary>The parts of one silo and how they are wired: catalog, dispatcher, directory, membership,
/// connections, callbacks and streams. Also the silo's <see cref="IGrainCallRuntime"/>.</summary>
internal sealed class SiloRuntime : IGrainCallRuntime
{
    public SiloRuntime(
        SiloOptions siloOptions,
        MessagingOptions messagingOptions,
        GrainCollectionOptions collectionOptions,
        ClusterMembershipOptions membershipOptions,
        StreamOptions streamOptions,
        Catalog.GrainTypeRegistry registry,
        GrainSerializer serializer,
        IMembershipTable membershipTable,
        IGrainDirectory directory,
        TimeProvider time,
        IServiceProvider services,
        ILogger logger)
    {
        SiloOptions = siloOptions;
        MessagingOptions = messagingOptions;
        CollectionOptions = collectionOptions;
        MembershipOptions = membershipOptions;
        StreamOptions = streamOptions;
        Registry = registry;
        Serializer = serializer;
        MembershipTable = membershipTable;
        Time = time;
        Services = services;
        Logger = logger;
        Locator = new GrainLocator(directory);
        Callbacks = new CallbackTable(time, messagingOptions.ResponseTimeout);
        GrainFactory = new GrainFactory(registry, this);
        Catalog = new Catalog.Catalog(this);
        Dispatcher = new Dispatcher(this);
    }

    public SiloOptions SiloOptions { get; }
    public MessagingOptions MessagingOptions { get; }
    public GrainCollectionOptions CollectionOptions { get; }
    public ClusterMembershipOptions MembershipOptions { get; }
    public StreamOptions StreamOptions { get; }
    public Catalog.GrainTypeRegistry Registry { get; }
    public GrainSerializer Serializer { get; }
    public IMembershipTable MembershipTable { get; }
    public TimeProvider Time { get; }
    public IServiceProvider Services { get; }
    public ILogger Logger { get; }
    public GrainLocator Locator { get; }
    public CallbackTable Callbacks { get; }
    public GrainFactory GrainFactory { get; }
    public Catalog.Catalog Catalog { get; }
    public Dispatcher Dispatcher { get; }

    // Set when the silo starts and knows its port.
    public SiloAddress Address { get; private set; } = null!;

    /// <summary><see cref="Address"/> as text, rendered once for the header of every request.</summary>
    public string AddressText { get; private set; } = null!;

    public ConnectionManager Connections { get; private set; } = null!;
    public MembershipAgent Membership { get; private set; } = null!;
    public StreamRuntime Streams { get; private set; } = null!;

    public bool IsStopping { get; set; }

    /// <summary>Binds the listener and creates the parts that need the silo's address.</summary>
    public void Bind(long generation)
    {
        Connections = new ConnectionManager(SiloOptions.ClusterId, null, Guid.Empty, OnFrame, Logger, MessagingOptions.MaxFrameSize, TimeSpan.FromSeconds(5));
        var port = Connections.Listen(new System.Net.IPEndPoint(SiloOptions.AdvertisedAddress, SiloOptions.Port));
        Address = new SiloAddress(SiloOptions.AdvertisedAddress.ToString(), port, generation);
        AddressText = Address.ToString();
        // The connection manager must announce the final address in its hellos.
        Connections.SetLocalSilo(Address);
        Membership = new MembershipAgent(Address, SiloOptions.SiloName, MembershipTable, MembershipOptions, Time, Logger);
        Streams = new StreamRuntime(GrainFactory, Serializer, StreamOptions, Address, Guid.Empty, SendDelivery, Logger);
        Connections.SiloConnectionLost += silo =>
        {
            Membership.OnConnectionLost(silo);
            Callbacks.FailCallsTo(silo, "closed its connection");
        };
        Membership.ViewChanged += OnViewChanged;
    }

    private void OnViewChanged(ClusterView view, IReadOnlyCollection<SiloAddress> died)
    {
        if (died.Count == 0) return;
        foreach (var silo in died)
        {
            Callbacks.FailCallsTo(silo, "was declared dead");
            Connections.CloseSilo(silo);
        }
        _ = Locator.OnSilosDeadAsync(died);
        Streams.OnSilosLost(died);
    }

    public IGrainStorage GetStorage(string? name)
    {
        var key = name ?? GrainStreamDefaults.StorageName;
        return Services.GetKeyedService<IGrainStorage>(key)
            ?? throw new InvalidOperationException($"No grain storage named '{key}' is registered. Add one with AddMemoryGrainStorage, AddSqliteGrainStorage or AddPostgresGrainStorage.");
    }

    public Task<TResult> InvokeAsync<TResult>(GrainReference target, Invokable<TResult> invokable)
    {
        invokable.CopyArguments(Serializer);
        var completion = new ResponseCompletion<TResult>(Callbacks.NextId(), target.GrainId, invokable, Callbacks.NewDeadline(), Callbacks, Serializer);
        Callbacks.Add(completion);
        // A call from outside any grain (a request thread, a test) runs the turns it makes runnable
        // on its own thread, within TurnBatch's budget, rather than waking a pool thread and waiting
        // for it; when they finish without blocking, the caller gets a completed task.
        var batch = GrainStream.Runtime.Catalog.Activation.Current is null ? TurnBatch.Open() : null;
        try
        {
            Dispatcher.Dispatch(new RequestWorkItem(target.GrainId, invokable, completion));
        }
        finally
        {
            batch?.Close();
        }
        return completion.Task;
    }

    private bool SendDelivery(SiloAddress? silo, Guid client, StreamDelivery delivery)
    {
        if (client != Guid.Empty) return Connections.TrySendToClient(client, MessageCodec.EncodeDelivery(delivery));
        if (silo is null || Membership.View.DeadSilos.Contains(silo)) return false;
        return Connections.Send(silo, MessageCodec.EncodeDelivery(delivery));
    }

    private void OnFrame(Connection connection, ReadOnlySpan<byte> frame)
    {
        var reader = new FrameReader(frame);
        switch ((FrameKind)reader.ReadByte())
        {
            case FrameKind.Request:
                OnRequest(connection, ref reader);
                break;
            case FrameKind.Response:
                OnResponse(frame, ref reader);
                break;
            case FrameKind.StreamDelivery:
                var client = new FrameReader(frame[1..]).ReadGuid();
                if (client != Guid.Empty) Connections.TrySendToClient(client, MessageCodec.Copy(frame));
                else Streams.OnDelivery(MessageCodec.ReadDelivery(ref reader, connection.DecodeCache));
                break;
            case FrameKind.Ping:
                connection.Send(MessageCodec.EncodePing(FrameKind.Pong, reader.ReadInt64()));
                break;
            case FrameKind.Pong:
                Membership.OnPong(connection.RemoteSilo, reader.ReadInt64());
                break;
            default:
                throw new InvalidDataException($"Unknown frame kind {frame[0]}.");
        }
    }

    private void OnRequest(Connection connection, ref FrameReader reader)
    {
        var header = MessageCodec.ReadRequestHeader(ref reader, connection.DecodeCache);
        var invokable = Registry.CreateInvokable(header.InterfaceId, header.MethodId);
        Exception? failure = null;
        if (invokable is null)
        {
            failure = new NotSupportedException($"Silo {Address} does not know method {header.MethodId} of interface {header.InterfaceId} (grain {header.Target}).");
        }
        else
        {
            try
            {
                MessageCodec.ReadArguments(invokable, reader.Remaining, Serializer);
            }
            catch (Exception exception)
            {
                failure = new ArgumentException($"Arguments of {invokable} could not be read: {exception.Message}");
            }
        }
        if (failure is not null)
        {
            RemoteRequest.Reply(this, header.MessageId, header.SendingSilo, header.SendingClient, connection, MessageCodec.EncodeError(header.MessageId, header.SendingClient, failure));
            return;
        }
        Dispatcher.Dispatch(new RemoteRequest(this, header.Target, invokable!, header.ForwardCount, header.MessageId, header.SendingSilo, header.SendingClient, connection));
    }

    private void OnResponse(ReadOnlySpan<byte> frame, ref FrameReader reader)
    {
        var id = reader.ReadInt64();
        var client = reader.ReadGuid();
        var ok = reader.ReadByte() == 1;
        if (client != Guid.Empty)
        {
            Connections.TrySendToClient(client, MessageCodec.Copy(frame));
            return;
        }
        if (!Callbacks.TryGet(id, out var callback)) return; // timed out meanwhile
        if (ok) callback.CompleteFromJson(reader.Remaining, Serializer);
        else callback.Fail(ExceptionCodec.Read(ref reader));
    }
}

/// <summary>Names used when none is configured.</summary>
public static class GrainStreamDefaults
{
    /// <summary>The grain storage used by <c>[PersistentState]</c> without a storage name.</summary>
    public const string StorageName = "Default";

    /// <summary>The stream provider every silo and client has.</summary>
    public const string StreamProviderName = StreamRuntime.DefaultProviderName;
}
