using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace GrainStream.Tests.Support;

/// <summary>An <see cref="IEventLog"/> in front of the silo's own whose appends fail, without writing
/// anything, while <see cref="Failure"/> is set: a full disk or a failing device, on demand.</summary>
public sealed class FailingEventLog(IEventLog inner) : DelegatingEventLog(inner)
{
    /// <summary>What every append throws while set; null: appends go through.</summary>
    public Exception? Failure { get; set; }

    public override Task AppendAsync(StreamId streamId, IReadOnlyList<StreamEvent> events, CancellationToken cancellationToken = default)
        => Failure is { } failure ? Task.FromException(failure) : base.AppendAsync(streamId, events, cancellationToken);

    /// <summary>Puts a failing log in front of the event log of the stream provider
    /// <paramref name="providerName"/> registered so far; <paramref name="created"/> gets it (one per silo).</summary>
    public static void Decorate(IServiceCollection services, Action<FailingEventLog> created, string providerName = GrainStreamEventsExtensions.DefaultProviderName)
        => EventLogDecorator.Decorate(services, inner => new FailingEventLog(inner), created, providerName);
}
