using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using GrainStream.Runtime.Messaging;
using Microsoft.Extensions.Logging;

namespace GrainStream.Runtime.Transport;

/// <summary>The connections of one silo or client: at most one connection used for sending to each
/// peer silo (reused in both directions when the peer dialled first), one per connected client,
/// and the listener. Every connection starts with a hello naming the cluster and the sender.</summary>
internal sealed class ConnectionManager : IAsyncDisposable
{
    private readonly ConcurrentDictionary<SiloAddress, Connection> _silos = new();
    private readonly ConcurrentDictionary<Guid, Connection> _clients = new();
    private readonly ConcurrentDictionary<Connection, byte> _all = new();
    private readonly string _clusterId;
    private SiloAddress? _localSilo;
    private readonly Guid _localClient;
    private readonly FrameHandler _handler;
    private readonly ILogger _logger;
    private readonly int _maxFrameSize;
    private readonly TimeSpan _connectTimeout;
    private Socket? _listener;
    private volatile bool _stopped;

    public ConnectionManager(string clusterId, SiloAddress? localSilo, Guid localClient, FrameHandler handler, ILogger logger, int maxFrameSize, TimeSpan connectTimeout)
    {
        _clusterId = clusterId;
        _localSilo = localSilo;
        _localClient = localClient;
        _handler = handler;
        _logger = logger;
        _maxFrameSize = maxFrameSize;
        _connectTimeout = connectTimeout;
    }

    /// <summary>Sets the silo identity announced in hellos, once the listener's port is known.</summary>
    public void SetLocalSilo(SiloAddress silo) => _localSilo = silo;

    /// <summary>Raised when a silo connection used for sending closes.</summary>
    public event Action<SiloAddress>? SiloConnectionLost;

    /// <summary>Raised when a client's connection closes.</summary>
    public event Action<Guid>? ClientDisconnected;

    public IEnumerable<Guid> ConnectedClients => _clients.Keys;

    /// <summary>Binds the listener and returns the bound port (useful when asked for port 0).</summary>
    public int Listen(IPEndPoint endPoint)
    {
        var listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Bind(endPoint);
        listener.Listen(512);
        _listener = listener;
        _ = AcceptLoopAsync(listener);
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopped)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception) when (_stopped)
            {
                return;
            }
            catch (SocketException exception)
            {
                _logger.LogWarning(exception, "Accepting a connection failed");
                continue;
            }
            Track(Connection.Accept(socket, EncodeHello(), _maxFrameSize, OnFrame));
        }
    }

    /// <summary>The connection for sending to <paramref name="silo"/>, dialled if there is none.</summary>
    public Connection GetOrConnect(SiloAddress silo)
    {
        if (_silos.TryGetValue(silo, out var existing) && !existing.IsClosed) return existing;
        lock (_silos)
        {
            if (_silos.TryGetValue(silo, out existing) && !existing.IsClosed) return existing;
            var connection = Connection.Dial(silo, EncodeHello(), _maxFrameSize, OnFrame, _connectTimeout);
            _silos[silo] = connection;
            Track(connection);
            if (_stopped) connection.Close();
            return connection;
        }
    }

    public bool Send(SiloAddress silo, PooledBufferWriter frame) => GetOrConnect(silo).Send(frame);

    public bool TrySendToClient(Guid client, PooledBufferWriter frame)
    {
        if (_clients.TryGetValue(client, out var connection)) return connection.Send(frame);
        frame.Release();
        return false;
    }

    public bool IsClientConnected(Guid client) => _clients.ContainsKey(client);

    /// <summary>Closes connections to a silo (it was declared dead).</summary>
    public void CloseSilo(SiloAddress silo)
    {
        foreach (var connection in _all.Keys)
        {
            if (Equals(connection.RemoteSilo, silo)) connection.Close();
        }
    }

    private void Track(Connection connection)
    {
        _all[connection] = 0;
        _ = connection.Completion.ContinueWith(_ => OnClosed(connection), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private void OnClosed(Connection connection)
    {
        _all.TryRemove(connection, out _);
        if (connection.Fault is { } fault) _logger.LogWarning(fault, "Connection with {Peer} closed after a fault", connection);
        if (connection.RemoteSilo is { } silo && _silos.TryRemove(new KeyValuePair<SiloAddress, Connection>(silo, connection)))
        {
            SiloConnectionLost?.Invoke(silo);
        }
        if (connection.RemoteClient != Guid.Empty && _clients.TryRemove(new KeyValuePair<Guid, Connection>(connection.RemoteClient, connection)))
        {
            ClientDisconnected?.Invoke(connection.RemoteClient);
        }
    }

    private PooledBufferWriter EncodeHello()
    {
        var frame = PooledBufferWriter.Rent();
        var start = frame.ReserveLength();
        frame.WriteByte((byte)FrameKind.Hello);
        frame.WriteString(_clusterId);
        frame.WriteString(_localSilo?.ToString());
        frame.WriteGuid(_localClient);
        frame.PatchLength(start);
        return frame;
    }

    private void OnFrame(Connection connection, ReadOnlySpan<byte> frame)
    {
        if (!connection.HelloReceived)
        {
            AcceptHello(connection, frame);
            return;
        }
        _handler(connection, frame);
    }

    private void AcceptHello(Connection connection, ReadOnlySpan<byte> frame)
    {
        var reader = new FrameReader(frame);
        if ((FrameKind)reader.ReadByte() != FrameKind.Hello) throw new InvalidDataException("The first frame must be a hello.");
        var clusterId = reader.ReadString();
        var silo = reader.ReadString();
        var client = reader.ReadGuid();
        if (clusterId != _clusterId) throw new InvalidDataException($"Peer belongs to cluster '{clusterId}', not '{_clusterId}'.");
        if (connection.IsOutbound)
        {
            // A restarted silo on the same endpoint is another incarnation: calls meant for the old one must fail.
            if (silo is null || !SiloAddress.TryParse(silo, out var answered) || !answered.Equals(connection.RemoteSilo))
            {
                throw new InvalidDataException($"Dialled {connection.RemoteSilo} but {silo ?? "a client"} answered.");
            }
        }
        else if (silo is not null && SiloAddress.TryParse(silo, out var peer))
        {
            connection.RemoteSilo = peer;
            // Reuse the peer's connection for our own sends unless we already have one.
            _silos.TryAdd(peer, connection);
        }
        else if (client != Guid.Empty)
        {
            connection.RemoteClient = client;
            if (_clients.TryGetValue(client, out var previous)) previous.Close();
            _clients[client] = connection;
        }
        else
        {
            throw new InvalidDataException("A hello must name a silo or a client.");
        }
        connection.HelloReceived = true;
    }

    /// <summary>Stops listening and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopped = true;
        _listener?.Dispose();
        var connections = _all.Keys.ToArray();
        foreach (var connection in connections) connection.Close();
        try
        {
            await Task.WhenAll(connections.Select(c => c.Completion)).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("{Count} connections did not close within 5 s", connections.Count(c => !c.Completion.IsCompleted));
        }
    }
}
