using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace GrainStream.Api.Sse;

/// <summary>A Linux io_uring through which one thread sends a fan-out's chunks to many sockets with
/// one system call instead of one per socket. Each send is non-blocking (<c>MSG_DONTWAIT</c>): the
/// kernel completes every entry during the call, with the bytes it took or an error, exactly as a
/// non-blocking <c>send</c> would, so what is left goes on the connection's asynchronous path as before.
/// Measured on this machine's kernel with 50 loopback sockets: ~4.8 instead of ~5.9 µs of CPU per send.</summary>
/// <remarks>One ring per thread (the ring's submission queue has a single writer), made on first use and
/// released by its finaliser when the thread is gone. Where io_uring cannot be had (not Linux, a kernel
/// without it, or a sandbox that forbids it), <see cref="ForCurrentThread"/> returns null and the
/// caller sends one by one. Every socket's handle is referenced and every buffer pinned until the call
/// has returned and all its entries are complete, so a descriptor is never closed or reused under a send.</remarks>
internal sealed unsafe partial class SocketSendRing
{
    /// <summary>Most sends one <see cref="Submit"/> takes.</summary>
    public const int Capacity = 64;

    private const int SysIoUringSetup = 425, SysIoUringEnter = 426; // the same on every Linux architecture
    private const uint SetupSubmitAll = 1 << 7, SetupCoopTaskRun = 1 << 8, SetupSingleIssuer = 1 << 12;
    private const uint EnterGetEvents = 1;
    private const byte OpSend = 26, OpAsyncCancel = 14;
    private const uint AsyncCancelAny = 1 << 2;
    private const uint MsgDontWait = 0x40, MsgNoSignal = 0x4000;
    private const int EIntr = 4, EAgain = 11, ECanceled = 125;
    private const ulong CancelUserData = ulong.MaxValue;
    private const long OffSqRing = 0, OffCqRing = 0x8000000, OffSqes = 0x10000000;
    private const int ProtReadWrite = 0x1 | 0x2, MapSharedPopulate = 0x01 | 0x8000;

    [ThreadStatic]
    private static SocketSendRing? t_ring;

    /// <summary>Tests only: the most entries this thread's next submissions hand to the kernel, as if
    /// it refused the rest (out of memory, say). Null: no limit.</summary>
    [ThreadStatic]
    internal static int? SubmitLimitForTesting;
    private static volatile bool s_unavailable = !OperatingSystem.IsLinux();

    private readonly RingMemory _memory;
    private readonly SafeSocketHandle?[] _handles = new SafeSocketHandle?[Capacity];
    private readonly GCHandle[] _pins = new GCHandle[Capacity];
    private byte[]? _lastPinned;
    private int _pinCount;
    private int _count;
    private bool _givenUp;

    private SocketSendRing(RingMemory memory) => _memory = memory;

    /// <summary>Whether this ring was given up after the kernel refused part of a batch; it takes no
    /// more sends, and <see cref="ForCurrentThread"/> makes a new one.</summary>
    public bool IsGivenUp => _givenUp;

    /// <summary>This thread's ring, or null where io_uring is not available.</summary>
    public static SocketSendRing? ForCurrentThread()
    {
        if (t_ring is { } ring) return ring;
        if (s_unavailable) return null;
        var memory = RingMemory.TryCreate(Capacity);
        if (memory is null)
        {
            s_unavailable = true;
            return null;
        }
        return t_ring = new SocketSendRing(memory);
    }

    /// <summary>Sends queued so far.</summary>
    public int Count => _count;

    /// <summary>Queues a send of all of <paramref name="buffer"/> to <paramref name="socket"/> as
    /// entry <see cref="Count"/>; false (nothing queued) when the socket is already closed.</summary>
    public bool TryAdd(Socket socket, byte[] buffer)
    {
        // Its submission queue may still hold refused entries whose buffers are unpinned and whose
        // descriptors may belong to other connections by now: nothing may go through it again.
        ObjectDisposedException.ThrowIf(_givenUp, this);
        if (_count == Capacity) throw new InvalidOperationException("The ring is full; submit first.");
        var handle = socket.SafeHandle;
        var referenced = false;
        try
        {
            handle.DangerousAddRef(ref referenced);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        if (!ReferenceEquals(buffer, _lastPinned))
        {
            _pins[_pinCount++] = GCHandle.Alloc(buffer, GCHandleType.Pinned);
            _lastPinned = buffer;
        }
        _handles[_count] = handle;
        var sqe = _memory.Entry(_count);
        *sqe = default;
        sqe->Opcode = OpSend;
        sqe->Fd = (int)handle.DangerousGetHandle();
        sqe->Addr = (ulong)Marshal.UnsafeAddrOfPinnedArrayElement(buffer, 0);
        sqe->Len = (uint)buffer.Length;
        sqe->OpFlags = MsgDontWait | MsgNoSignal;
        sqe->UserData = (ulong)_count;
        _count++;
        return true;
    }

    /// <summary>Sends everything queued in one call. <paramref name="results"/>[i] is, for entry i,
    /// the bytes the socket took (possibly fewer than queued; 0 when its buffer was full or the kernel
    /// refused the entry) or a negative errno when the connection is gone.</summary>
    public void Submit(Span<int> results)
    {
        var count = _count;
        try
        {
            if (count == 0) return;
            var submitted = _memory.Publish(count, SubmitLimitForTesting ?? count);
            if (submitted < count)
            {
                // The kernel refused the rest (out of memory, say): nothing of them was sent, and each
                // connection sends its chunk on its own asynchronous path. The refused entries stay in
                // this ring's queue, where a later call would submit them, so the ring is given up:
                // it refuses further sends, and its kernel ring is closed below, once the entries that
                // were taken have completed, so the refused ones can never run.
                _givenUp = true;
                if (ReferenceEquals(t_ring, this)) t_ring = null;
                results[submitted..count].Clear();
            }
            var pending = submitted - _memory.Reap(results);
            if (pending > 0)
            {
                // Not expected: a non-blocking send completes during the call. Were one to wait for the
                // socket instead, it is cancelled rather than left holding its buffer and descriptor.
                _memory.CancelAll();
                pending -= _memory.Reap(results);
                while (pending > 0)
                {
                    _memory.Wait(pending);
                    pending -= _memory.Reap(results);
                }
            }
            for (var i = 0; i < count; i++)
            {
                if (results[i] is -EAgain or -ECanceled) results[i] = 0; // the socket's buffer was full
            }
            if (_givenUp) _memory.Dispose();
        }
        finally
        {
            for (var i = 0; i < count; i++)
            {
                _handles[i]!.DangerousRelease();
                _handles[i] = null;
            }
            for (var i = 0; i < _pinCount; i++) _pins[i].Free();
            _pinCount = 0;
            _lastPinned = null;
            _count = 0;
        }
    }

    /// <summary>The ring's shared memory with the kernel: the submission queue, its entries, and the
    /// completion queue. Owned by one <see cref="SocketSendRing"/>; freed by its finaliser.</summary>
    private sealed class RingMemory
    {
        private readonly int _fd;
        private readonly byte* _sq, _cq;
        private readonly nuint _sqSize, _cqSize, _sqesSize;
        private readonly SubmissionEntry* _sqes;
        private readonly uint* _sqTail, _cqHead, _cqTail;
        private readonly uint _sqMask, _cqMask;
        private readonly CompletionEntry* _cqes;
        private bool _released;

        private RingMemory(int fd, in RingParameters p)
        {
            _fd = fd;
            _sqSize = p.SqOff.Array + p.SqEntries * sizeof(uint);
            _cqSize = p.CqOff.Cqes + p.CqEntries * (uint)sizeof(CompletionEntry);
            _sqesSize = p.SqEntries * (uint)sizeof(SubmissionEntry);
            _sq = Map(_sqSize, fd, OffSqRing);
            _cq = Map(_cqSize, fd, OffCqRing);
            _sqes = (SubmissionEntry*)Map(_sqesSize, fd, OffSqes);
            if (_sq == null || _cq == null || _sqes == null)
            {
                Release();
                GC.SuppressFinalize(this);
                throw new InvalidOperationException("io_uring's rings could not be mapped.");
            }
            _sqTail = (uint*)(_sq + p.SqOff.Tail);
            _sqMask = *(uint*)(_sq + p.SqOff.RingMask);
            _cqHead = (uint*)(_cq + p.CqOff.Head);
            _cqTail = (uint*)(_cq + p.CqOff.Tail);
            _cqMask = *(uint*)(_cq + p.CqOff.RingMask);
            _cqes = (CompletionEntry*)(_cq + p.CqOff.Cqes);
            // Entry i of the submission queue always uses submission entry i (see Entry).
            var array = (uint*)(_sq + p.SqOff.Array);
            for (uint i = 0; i < p.SqEntries; i++) array[i] = i;
        }

        ~RingMemory() => Release();

        /// <summary>Closes the kernel ring now (what is still queued in it is dropped, never run).</summary>
        public void Dispose()
        {
            Release();
            GC.SuppressFinalize(this);
        }

        public static RingMemory? TryCreate(int entries)
        {
            try
            {
                foreach (var flags in (ReadOnlySpan<uint>)[SetupSubmitAll | SetupCoopTaskRun | SetupSingleIssuer, 0])
                {
                    var parameters = new RingParameters { Flags = flags };
                    var fd = (int)Syscall(SysIoUringSetup, entries, (long)&parameters, 0, 0, 0, 0);
                    if (fd < 0) continue;
                    if (parameters.SqEntries < entries || parameters.CqEntries < entries)
                    {
                        Close(fd);
                        return null;
                    }
                    try
                    {
                        return new RingMemory(fd, parameters);
                    }
                    catch (InvalidOperationException)
                    {
                        return null;
                    }
                }
                return null;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                return null;
            }
        }

        /// <summary>Submission entry <paramref name="index"/> of the next batch (batches start at the
        /// queue's tail; the kernel has consumed every earlier one, so slots are free).</summary>
        public SubmissionEntry* Entry(int index) => &_sqes[(Volatile.Read(ref *_sqTail) + (uint)index) & _sqMask];

        /// <summary>Hands the first <paramref name="count"/> entries to the kernel, asking it to take
        /// at most <paramref name="limit"/> of them (tests inject a refusal so); how many it took.</summary>
        public int Publish(int count, int limit)
        {
            var tail = *_sqTail;
            Volatile.Write(ref *_sqTail, tail + (uint)count);
            var submitted = 0;
            var wanted = Math.Min(count, limit);
            while (submitted < wanted)
            {
                var result = Enter((uint)(wanted - submitted), 0, 0);
                if (result > 0) submitted += (int)result;
                else if (result == 0 || Marshal.GetLastPInvokeError() != EIntr) break;
            }
            return submitted;
        }

        /// <summary>Cancels whatever is still in flight (one cancel entry matching them all).</summary>
        public void CancelAll()
        {
            var sqe = Entry(0);
            *sqe = default;
            sqe->Opcode = OpAsyncCancel;
            sqe->Fd = -1;
            sqe->OpFlags = AsyncCancelAny;
            sqe->UserData = CancelUserData;
            Publish(1, 1);
        }

        /// <summary>Blocks until at least <paramref name="count"/> completions are there.</summary>
        public void Wait(int count) => Enter(0, (uint)count, EnterGetEvents);

        /// <summary>Takes the completions that are there into <paramref name="results"/>; how many
        /// were sends (the cancel entry's own completion is not one).</summary>
        public int Reap(Span<int> results)
        {
            var head = *_cqHead;
            var tail = Volatile.Read(ref *_cqTail);
            var sends = 0;
            for (; head != tail; head++)
            {
                ref var cqe = ref _cqes[head & _cqMask];
                if (cqe.UserData == CancelUserData) continue;
                results[(int)cqe.UserData] = cqe.Res;
                sends++;
            }
            Volatile.Write(ref *_cqHead, head);
            return sends;
        }

        private long Enter(uint submit, uint minComplete, uint flags) => Syscall(SysIoUringEnter, _fd, submit, minComplete, flags, 0, 0);

        private static byte* Map(nuint size, int fd, long offset)
        {
            var address = Mmap(null, size, ProtReadWrite, MapSharedPopulate, fd, offset);
            return address == (void*)-1 ? null : (byte*)address;
        }

        private void Release()
        {
            if (_released) return;
            _released = true;
            if (_sq != null) Munmap(_sq, _sqSize);
            if (_cq != null) Munmap(_cq, _cqSize);
            if (_sqes != null) Munmap(_sqes, _sqesSize);
            Close(_fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(void* address, nuint length);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    // The kernel's structures (include/uapi/linux/io_uring.h), only the fields used here named.

    [StructLayout(LayoutKind.Explicit, Size = 64)]
    private struct SubmissionEntry
    {
        [FieldOffset(0)] public byte Opcode;
        [FieldOffset(4)] public int Fd;
        [FieldOffset(16)] public ulong Addr;
        [FieldOffset(24)] public uint Len;
        [FieldOffset(28)] public uint OpFlags;
        [FieldOffset(32)] public ulong UserData;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CompletionEntry
    {
        public ulong UserData;
        public int Res;
        public uint Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct QueueOffsets
    {
        public uint Head, Tail, RingMask, RingEntries, Flags, Dropped, Array, Reserved;
        public ulong UserAddress;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CompletionQueueOffsets
    {
        public uint Head, Tail, RingMask, RingEntries, Overflow, Cqes, Flags, Reserved;
        public ulong UserAddress;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RingParameters
    {
        public uint SqEntries, CqEntries, Flags, SqThreadCpu, SqThreadIdle, Features, WqFd, Reserved0, Reserved1, Reserved2;
        public QueueOffsets SqOff;
        public CompletionQueueOffsets CqOff;
    }
}
