using System.Diagnostics.Metrics;
using GrainStream.Api.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace GrainStream.Tests.Api;

/// <summary>GrainStream's instruments on a meter factory of their own, for parts tested without a host.</summary>
internal static class TestMetrics
{
    public static GrainStreamMetrics Create()
        => new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>(), TimeProvider.System);
}
