using System.Net;
using System.Net.Sockets;

namespace GrainStream.Api.Limits;

/// <summary>Who a request comes from, for the per-client limits (POST rate, open event streams).
/// The one place that decides it: the token's subject when the request is authenticated (Jwt mode),
/// else the remote address.</summary>
internal static class ClientKey
{
    /// <summary>The client's key: its IPv4 address, or the /64 prefix of its IPv6 address (one host
    /// usually owns a whole /64, so a per-address key would let it pick a new address per request);
    /// <c>unknown</c> when the transport has no address (a Unix socket), shared by all such clients.</summary>
    public static string Of(HttpContext context)
    {
        // A subject may share an address with others (NAT) or move between addresses: it is the client.
        if (Auth.SignedInUser.Of(context) is { } user && Auth.TopicClaims.SubjectOf(user) is { } subject) return "sub:" + subject;
        var address = context.Connection.RemoteIpAddress;
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes) + "/64";
    }
}
