using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Support;

/// <summary>Puts a test's <see cref="IEventLog"/> in front of the one a silo registered for a stream provider.</summary>
public static class EventLogDecorator
{
    /// <summary>Replaces the event log of the stream provider <paramref name="providerName"/> registered so
    /// far with <paramref name="wrap"/> of it; <paramref name="created"/> gets each wrapper made (one per silo).</summary>
    public static void Decorate<T>(IServiceCollection services, Func<IEventLog, T> wrap, Action<T> created, string providerName = GrainStreamEventsExtensions.DefaultProviderName)
        where T : IEventLog
    {
        var registered = services.Last(d => d.ServiceType == typeof(IEventLog) && Equals(d.ServiceKey, providerName));
        var factory = registered.KeyedImplementationFactory ?? throw new InvalidOperationException("The event log is expected to be registered by a factory.");
        services.Remove(registered);
        services.AddKeyedSingleton<IEventLog>(providerName, (sp, key) =>
        {
            var wrapper = wrap((IEventLog)factory(sp, key));
            created(wrapper);
            return wrapper;
        });
    }
}
