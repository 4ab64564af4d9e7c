using System.Net;
using System.Runtime.InteropServices;

namespace GrainStream.Bench.Fanout;

/// <summary>The few libc calls the fan-out client makes itself: non-blocking TCP sockets and epoll.
/// .NET's sockets are built for servers; as a load generator with thousands of mostly idle streams
/// they cost a thread-pool hop and a wasted non-blocking read per event, which on two cores took
/// as much CPU as the servers under test. Linux, x86-64 only (the epoll event layout is packed there).</summary>
internal static unsafe partial class LinuxSockets
{
    public const int EAGAIN = 11;
    public const int EINTR = 4;
    public const int EINPROGRESS = 115;

    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLRDHUP = 0x2000;

    private const int AF_INET = 2;
    private const int SOCK_STREAM = 1;
    private const int SOCK_NONBLOCK = 0x800;
    private const int SOCK_CLOEXEC = 0x80000;
    private const int IPPROTO_TCP = 6;
    private const int TCP_NODELAY = 1;
    private const int SOL_SOCKET = 1;
    private const int SO_ERROR = 4;
    private const int MSG_NOSIGNAL = 0x4000;
    private const int EPOLL_CTL_ADD = 1;
    private const int EPOLL_CTL_DEL = 2;
    private const int EPOLL_CTL_MOD = 3;

    /// <summary>One epoll event; packed on x86-64, as the kernel declares it there.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockAddrIn
    {
        public ushort Family;
        public ushort Port; // network byte order
        public uint Address; // network byte order
        public ulong Zero;
    }

    public static void EnsureSupported()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw new PlatformNotSupportedException("The fan-out client drives epoll directly: Linux on x86-64 only.");
        }
    }

    /// <summary>A new non-blocking TCP socket (no Nagle) connecting to <paramref name="endpoint"/>: its
    /// descriptor, with <paramref name="inProgress"/> true until the connect completes (it is then writable).</summary>
    public static int StartConnect(IPEndPoint endpoint, out bool inProgress)
    {
        var fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) throw new IOException($"socket() failed: errno {Marshal.GetLastPInvokeError()}");
        var one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(int));
        Span<byte> address = stackalloc byte[4];
        endpoint.Address.TryWriteBytes(address, out _);
        var sockaddr = new SockAddrIn
        {
            Family = AF_INET,
            Port = (ushort)IPAddress.HostToNetworkOrder((short)endpoint.Port),
            Address = MemoryMarshal.Read<uint>(address),
        };
        if (connect(fd, &sockaddr, sizeof(SockAddrIn)) == 0)
        {
            inProgress = false;
            return fd;
        }
        var errno = Marshal.GetLastPInvokeError();
        if (errno == EINPROGRESS)
        {
            inProgress = true;
            return fd;
        }
        close(fd);
        throw new IOException($"connect() failed: errno {errno}");
    }

    /// <summary>The pending error of a socket (0 once a connect succeeded).</summary>
    public static int PendingError(int fd)
    {
        int error = 0, length = sizeof(int);
        return getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0 ? error : Marshal.GetLastPInvokeError();
    }

    /// <summary>Bytes sent, or -errno.</summary>
    public static int Send(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            var sent = (int)send(fd, p, (nuint)bytes.Length, MSG_NOSIGNAL);
            return sent >= 0 ? sent : -Marshal.GetLastPInvokeError();
        }
    }

    /// <summary>Bytes received (0 at end of stream), or -errno.</summary>
    public static int Receive(int fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var received = (int)recv(fd, p, (nuint)buffer.Length, 0);
            return received >= 0 ? received : -Marshal.GetLastPInvokeError();
        }
    }

    public static void Close(int fd) => close(fd);

    public static int CreateEpoll()
    {
        var epoll = epoll_create1(SOCK_CLOEXEC);
        if (epoll < 0) throw new IOException($"epoll_create1() failed: errno {Marshal.GetLastPInvokeError()}");
        return epoll;
    }

    public static void Watch(int epoll, int fd, uint events, ulong data) => Control(epoll, EPOLL_CTL_ADD, fd, events, data);

    public static void Rewatch(int epoll, int fd, uint events, ulong data) => Control(epoll, EPOLL_CTL_MOD, fd, events, data);

    public static void Unwatch(int epoll, int fd) => Control(epoll, EPOLL_CTL_DEL, fd, 0, 0);

    private static void Control(int epoll, int operation, int fd, uint events, ulong data)
    {
        var e = new EpollEvent { Events = events, Data = data };
        if (epoll_ctl(epoll, operation, fd, &e) != 0) throw new IOException($"epoll_ctl({operation}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Ready events (0 on timeout or interruption).</summary>
    public static int Wait(int epoll, Span<EpollEvent> events, int timeoutMilliseconds)
    {
        fixed (EpollEvent* p = events)
        {
            var ready = epoll_wait(epoll, p, events.Length, timeoutMilliseconds);
            if (ready >= 0) return ready;
            var errno = Marshal.GetLastPInvokeError();
            return errno == EINTR ? 0 : throw new IOException($"epoll_wait() failed: errno {errno}");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int connect(int fd, SockAddrIn* address, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsockopt(int fd, int level, int name, void* value, int length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getsockopt(int fd, int level, int name, void* value, int* length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epoll, int operation, int fd, EpollEvent* e);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epoll, EpollEvent* events, int maxEvents, int timeout);
}
