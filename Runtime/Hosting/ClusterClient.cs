using GrainStream.Invocation;
using GrainStream.Runtime.Catalog;
using GrainStream.Runtime.Configuration;
using GrainStream.Runtime.Membership;
using GrainStream.Runtime.Messaging;
using GrainStream.Runtime.Placement;
using GrainStream.Runtime.Streams;
using GrainStream.Runtime.Transport;
using GrainStream.Serialization;
using GrainStream.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainStream.Runtime;

/// <summary>A client of a cluster over TCP: reads the membership table for the active silos
/// (gateways), connects to each, and sends every call straight to the silo placement chooses
/// (the silo forwards when the grain lives elsewhere). Its stream subscriptions re-subscribe by
/// themselves when the silo hosting their stream fails.</summary>
public sealed class ClusterClient : IClusterClient, IGrainCallRuntime, IHostedService, IAsyncDisposable
{
    private readonly ClientOptions _options;
    private readonly IMembershipTable _table;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly GrainSerializer _serializer;
    private readonly CallbackTable _callbacks;
    private readonly ConnectionManager _connections;
    private readonly GrainFactory _grainFactory;
    private readonly StreamRuntime _streams;
    private readonly SemaphoreSlim _refreshGate = new(1, 1);
    private ITimer? _refreshTimer;
    private volatile ClusterView _view = ClusterView.Empty;
    private volatile PlacementCache _placement = new(ClusterView.Empty);
    private volatile bool _stopped;

    /// <summary>Created by dependency injection; see <c>UseGrainStreamClient</c>.</summary>
    public ClusterClient(IOptions<ClientOptions> options, IOptions<MessagingOptions> messagingOptions, IOptions<StreamOptions> streamOptions,
        GrainTypeRegistry registry, GrainSerializer serializer, IMembershipTable table, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _table = table;
        _time = time;
        _serializer = serializer;
        _logger = loggerFactory.CreateLogger("GrainStream.Client");
        _callbacks = new CallbackTable(time, messagingOptions.Value.ResponseTimeout);
        _connections = new ConnectionManager(_options.ClusterId, null, ClientId, OnFrame, _logger, messagingOptions.Value.MaxFrameSize, TimeSpan.FromSeconds(5));
        _connections.SiloConnectionLost += OnSiloConnectionLost;
        _grainFactory = new GrainFactory(registry, this);
        _streams = new StreamRuntime(_grainFactory, serializer, streamOptions.Value, null, ClientId, (_, _, _) => false, _logger);
    }

    /// <summary>This client's identity in the cluster.</summary>
    public Guid ClientId { get; } = Guid.NewGuid();

    /// <summary>The silos this client currently sends to.</summary>
    public ClusterView ClusterView => _view;

    /// <inheritdoc/>
    public bool IsConnected => !_view.ActiveSilos.IsEmpty;

    /// <summary>Reads the membership table and waits until at least one silo is active.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        var deadline = _time.GetTimestamp();
        while (true)
        {
            await RefreshAsync().ConfigureAwait(false);
            if (IsConnected) break;
            if (_time.GetElapsedTime(deadline) > _options.ConnectTimeout) throw new SiloUnavailableException($"No active silo in cluster '{_options.ClusterId}' after {_options.ConnectTimeout}.");
            await Task.Delay(TimeSpan.FromMilliseconds(100), _time, cancellationToken).ConfigureAwait(false);
        }
        _refreshTimer ??= _time.CreateTimer(_ => _ = RefreshAsync(), null, _options.GatewayRefreshInterval, _options.GatewayRefreshInterval);
    }

    /// <summary>Re-reads the membership table now.</summary>
    public async Task RefreshAsync()
    {
        if (_stopped) return;
        await _refreshGate.WaitAsync().ConfigureAwait(false);
        try
        {
            var view = ClusterView.From(await _table.ReadAllAsync().ConfigureAwait(false));
            var previous = _view;
            if (view.Version == previous.Version) return;
            _view = view;
            foreach (var silo in view.ActiveSilos) _connections.GetOrConnect(silo);
            var lost = previous.ActiveSilos.Where(s => !view.IsActive(s)).ToArray();
            foreach (var silo in lost)
            {
                _callbacks.FailCallsTo(silo, "left the cluster");
                _connections.CloseSilo(silo);
            }
            _streams.OnSilosLost(lost);
        }
        catch (Exception exception)
        {
            _logger.LogWarning(exception, "Reading the membership table failed");
        }
        finally
        {
            _refreshGate.Release();
        }
    }

    private void OnSiloConnectionLost(SiloAddress silo)
    {
        _callbacks.FailCallsTo(silo, "closed its connection");
        if (_stopped) return;
        // The hub there dropped our subscriptions with the connection; subscribe again (over a new connection).
        _streams.OnSilosLost([silo]);
    }

    Task<TResult> IGrainCallRuntime.InvokeAsync<TResult>(GrainReference target, Invokable<TResult> invokable)
    {
        var completion = new ResponseCompletion<TResult>(_callbacks.NextId(), target.GrainId, invokable, _callbacks.NewDeadline(), _callbacks, _serializer);
        var silo = Place(target.GrainId);
        if (silo is null)
        {
            return Task.FromException<TResult>(new SiloUnavailableException($"No silo is available for {completion.Describe()}; is the client connected?"));
        }
        var frame = MessageCodec.EncodeRequest(completion.Id, null, ClientId, target.GrainId, invokable, 0, _serializer);
        completion.TargetSilo = silo;
        _callbacks.Add(completion);
        if (!_connections.Send(silo, frame)) completion.Fail(new SiloUnavailableException($"Could not send {completion.Describe()} to {silo}."));
        return completion.Task;
    }

    /// <summary>The silo placement chooses for <paramref name="grainId"/> in the current view,
    /// remembered per view so that repeated calls skip rendering and hashing the id.</summary>
    private SiloAddress? Place(GrainId grainId)
    {
        var view = _view;
        var cache = _placement;
        if (!ReferenceEquals(cache.View, view)) _placement = cache = new PlacementCache(view);
        if (cache.Silos.TryGetValue(grainId, out var silo)) return silo;
        silo = RendezvousPlacement.Choose(grainId, view.ActiveSilos);
        if (silo is not null && cache.Silos.Count < PlacementCache.Capacity) cache.Silos.TryAdd(grainId, silo);
        return silo;
    }

    private sealed class PlacementCache(ClusterView view)
    {
        public const int Capacity = 100_000;

        public ClusterView View { get; } = view;

        public System.Collections.Concurrent.ConcurrentDictionary<GrainId, SiloAddress> Silos { get; } = new();
    }

    private void OnFrame(Connection connection, ReadOnlySpan<byte> frame)
    {
        var reader = new FrameReader(frame);
        switch ((FrameKind)reader.ReadByte())
        {
            case FrameKind.Response:
                var id = reader.ReadInt64();
                reader.ReadGuid();
                var ok = reader.ReadByte() == 1;
                if (!_callbacks.TryGet(id, out var callback)) return;
                if (ok) callback.CompleteFromJson(reader.Remaining, _serializer);
                else callback.Fail(ExceptionCodec.Read(ref reader));
                break;
            case FrameKind.StreamDelivery:
                _streams.OnDelivery(MessageCodec.ReadDelivery(ref reader, connection.DecodeCache));
                break;
            case FrameKind.Ping:
                connection.Send(MessageCodec.EncodePing(FrameKind.Pong, reader.ReadInt64()));
                break;
            case FrameKind.Pong:
                break;
            default:
                throw new InvalidDataException($"Unexpected frame kind {frame[0]} at a client.");
        }
    }

    /// <inheritdoc/>
    public IStreamProvider GetStreamProvider(string name) => _streams.GetProvider(name);

    /// <inheritdoc/>
    public TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey => _grainFactory.GetGrain<TGrainInterface>(key);

    /// <inheritdoc/>
    public TGrainInterface GetGrain<TGrainInterface>(Guid key) where TGrainInterface : IGrainWithGuidKey => _grainFactory.GetGrain<TGrainInterface>(key);

    /// <inheritdoc/>
    public TGrainInterface GetGrain<TGrainInterface>(long key) where TGrainInterface : IGrainWithIntegerKey => _grainFactory.GetGrain<TGrainInterface>(key);

    /// <inheritdoc/>
    public TGrainInterface GetGrain<TGrainInterface>(GrainId grainId) where TGrainInterface : IGrain => _grainFactory.GetGrain<TGrainInterface>(grainId);

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken) => ConnectAsync(cancellationToken);

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_stopped) return;
        _stopped = true;
        _refreshTimer?.Dispose();
        await _connections.DisposeAsync().ConfigureAwait(false);
        _callbacks.FailAll("the client stopped");
        _callbacks.Dispose();
    }
}
