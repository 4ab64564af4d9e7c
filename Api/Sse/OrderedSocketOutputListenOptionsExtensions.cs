using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace GrainStream.Api.Sse;

/// <summary>Installs <see cref="OrderedSocketOutput"/> on a Kestrel endpoint.</summary>
internal static class OrderedSocketOutputListenOptionsExtensions
{
    /// <summary>Puts an <see cref="OrderedSocketOutput"/> between Kestrel and the socket of every
    /// connection of <paramref name="listen"/> that has one (Kestrel's socket transport), and makes it
    /// a connection feature, where an event stream finds it. Until a stream takes the socket it only
    /// passes writes on.</summary>
    public static ListenOptions UseOrderedSocketOutput(this ListenOptions listen)
    {
        listen.Use(next => connection =>
        {
            if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
            {
                var output = new OrderedSocketOutput(connection.Transport.Output, socket);
                connection.Transport = new DuplexPipe(connection.Transport.Input, output);
                connection.Features.Set(output);
            }
            return next(connection);
        });
        return listen;
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
