using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace GrainStream.Api.Sse;

/// <summary>Installs <see cref="OrderedSocketOutput"/> on a Kestrel endpoint.</summary>
internal static class OrderedSocketOutputListenOptionsExtensions
{
    /// <summary>Puts an <see cref="OrderedSocketOutput"/> between Kestrel and the socket of every
    /// connection of <paramref name="listen"/> that has one (Kestrel's socket transport), as the
    /// connection's transport, where an event stream finds it. Until a stream takes the socket it only
    /// passes writes on.</summary>
    public static ListenOptions UseOrderedSocketOutput(this ListenOptions listen)
    {
        listen.Use(next => connection =>
        {
            // The connection's transport pipe is where a request finds it again
            // (IConnectionTransportFeature): no extra feature entry per connection.
            if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket) connection.Transport = new OrderedSocketOutput(connection.Transport, socket);
            return next(connection);
        });
        return listen;
    }
}
