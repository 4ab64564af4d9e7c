using GrainStream.Runtime.Catalog;
using GrainStream.Runtime.Configuration;
using GrainStream.Runtime.Directory;
using GrainStream.Runtime.Membership;
using GrainStream.Serialization;
using GrainStream.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainStream.Runtime;

/// <summary>A silo: hosts grain activations, joins the cluster, and serves calls from other silos
/// and clients. Runs as a hosted service; also usable directly (tests).</summary>
public sealed class Silo : IHostedService, IClusterClient, IAsyncDisposable
{
    private readonly SiloRuntime _runtime;
    private readonly IHostApplicationLifetime? _lifetime;
    private int _state; // 0 created, 1 started, 2 stopped

    /// <summary>Created by dependency injection; see <c>UseGrainStreamSilo</c>.</summary>
    public Silo(
        IOptions<SiloOptions> siloOptions,
        IOptions<MessagingOptions> messagingOptions,
        IOptions<GrainCollectionOptions> collectionOptions,
        IOptions<ClusterMembershipOptions> membershipOptions,
        IOptions<StreamOptions> streamOptions,
        GrainTypeRegistry registry,
        GrainSerializer serializer,
        IMembershipTable membershipTable,
        IGrainDirectory directory,
        TimeProvider time,
        IServiceProvider services,
        ILoggerFactory loggerFactory,
        IHostApplicationLifetime? lifetime = null)
    {
        _lifetime = lifetime;
        _runtime = new SiloRuntime(siloOptions.Value, messagingOptions.Value, collectionOptions.Value, membershipOptions.Value, streamOptions.Value,
            registry, serializer, membershipTable, directory, time, services, loggerFactory.CreateLogger("GrainStream.Silo"));
    }

    /// <summary>This silo incarnation's address (known once started).</summary>
    public SiloAddress Address => _runtime.Address;

    /// <summary>The number of activations on this silo.</summary>
    public int ActivationCount => _runtime.Catalog.Count;

    /// <summary>The cluster as this silo currently sees it.</summary>
    public ClusterView ClusterView => _runtime.Membership?.View ?? ClusterView.Empty;

    /// <summary>True once started and until stopped or killed.</summary>
    public bool IsRunning => Volatile.Read(ref _state) == 1;

    /// <summary>Completes when the silo has stopped, including when it stopped itself after being declared dead.</summary>
    public Task Stopped => _stopped.Task;

    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal SiloRuntime Runtime => _runtime;

    /// <summary>Binds the endpoint, joins the membership table and starts collecting idle activations.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0) throw new InvalidOperationException("A silo starts once.");
        var generation = Math.Max(_runtime.Time.GetUtcNow().UtcTicks, Interlocked.Increment(ref s_lastGeneration));
        Interlocked.Exchange(ref s_lastGeneration, generation);
        _runtime.Bind(generation);
        _runtime.Membership.DeclaredDead += () => _ = KillAsync();
        await _runtime.Membership.JoinAsync(_runtime.Connections, cancellationToken).ConfigureAwait(false);
        _runtime.Catalog.StartCollector();
        // Reminders live in one system grain; every silo keeps waking it so that it comes back after a failure.
        _reminderKeeper = _runtime.Time.CreateTimer(_ => _ = WakeRemindersAsync(), null, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        _runtime.Logger.LogInformation("Silo {Silo} started in cluster {ClusterId}", Address, _runtime.SiloOptions.ClusterId);
    }

    private static long s_lastGeneration;

    private ITimer? _reminderKeeper;

    private async Task WakeRemindersAsync()
    {
        if (!IsRunning) return;
        try
        {
            await _runtime.GrainFactory.GetGrain<Reminders.IReminderRegistryGrain>(Reminders.ReminderRegistryGrain.Key).EnsureRunning().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _runtime.Logger.LogDebug(exception, "Waking the reminder registry failed; retrying");
        }
    }

    /// <summary>Graceful stop: leaves placement, deactivates every activation, then leaves the cluster.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 2, 1) != 1) return;
        _runtime.IsStopping = true;
        try
        {
            await _runtime.Membership.SetStatusAsync(SiloStatus.ShuttingDown, cancellationToken).ConfigureAwait(false);
            await _runtime.Catalog.DeactivateAllAsync(new DeactivationReason(DeactivationReasonCode.ShuttingDown, "The silo is stopping."), _runtime.CollectionOptions.LifecycleTimeout).ConfigureAwait(false);
            await _runtime.Membership.SetStatusAsync(SiloStatus.Dead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            _runtime.Logger.LogWarning(exception, "Graceful stop of {Silo} was incomplete", Address);
        }
        await ShutdownAsync().ConfigureAwait(false);
        _runtime.Logger.LogInformation("Silo {Silo} stopped", Address);
    }

    /// <summary>Stops at once, as a crash would: no deactivation, no goodbye in the membership table.
    /// The rest of the cluster finds out by failure detection.</summary>
    public async Task KillAsync()
    {
        var previous = Interlocked.Exchange(ref _state, 2);
        if (previous == 2) return;
        _runtime.IsStopping = true;
        await ShutdownAsync().ConfigureAwait(false);
        if (previous == 1) _lifetime?.StopApplication();
    }

    private async Task ShutdownAsync()
    {
        _reminderKeeper?.Dispose();
        if (_runtime.Membership is not null) await _runtime.Membership.DisposeAsync().ConfigureAwait(false);
        _runtime.Catalog.Dispose();
        _runtime.Catalog.AbandonAll();
        if (_runtime.Connections is not null) await _runtime.Connections.DisposeAsync().ConfigureAwait(false);
        _runtime.Callbacks.FailAll($"silo {Address} stopped");
        _runtime.Callbacks.Dispose();
        _stopped.TrySetResult();
    }

    /// <summary>Runs the idle collector now (tests and diagnostics).</summary>
    public int CollectIdleActivations() => _runtime.Catalog.CollectIdle();

    /// <summary>Re-reads the membership table now.</summary>
    public Task RefreshMembershipAsync() => _runtime.Membership.RefreshAsync();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await KillAsync().ConfigureAwait(false);

    // IClusterClient: code in the silo's process calls grains without the network.

    /// <inheritdoc/>
    public bool IsConnected => IsRunning;

    /// <inheritdoc/>
    public IStreamProvider GetStreamProvider(string name) => _runtime.Streams.GetProvider(name);

    /// <inheritdoc/>
    public TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey => _runtime.GrainFactory.GetGrain<TGrainInterface>(key);

    /// <inheritdoc/>
    public TGrainInterface GetGrain<TGrainInterface>(Guid key) where TGrainInterface : IGrainWithGuidKey => _runtime.GrainFactory.GetGrain<TGrainInterface>(key);

    /// <inheritdoc/>
    public TGrainInterface GetGrain<TGrainInterface>(long key) where TGrainInterface : IGrainWithIntegerKey => _runtime.GrainFactory.GetGrain<TGrainInterface>(key);

    /// <inheritdoc/>
    public TGrainInterface GetGrain<TGrainInterface>(GrainId grainId) where TGrainInterface : IGrain => _runtime.GrainFactory.GetGrain<TGrainInterface>(grainId);
}
