using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace GrainStream.Grains.Logs;

/// <summary>Puts an open file into the kernel's append mode (<c>O_APPEND</c>), where every write lands
/// at the file's end as it is at that moment, atomically with respect to other appenders: the other
/// programs writing the same log. .NET has no such mode (<c>FileMode.Append</c> seeks to the end once,
/// at open, and then writes at offsets), so a line another program appended in between would be
/// overwritten. Linux only: there <c>pwrite</c>, which .NET's file writes use, appends on such a file
/// whatever offset it is given (pwrite(2), BUGS).</summary>
internal static class KernelAppendMode
{
    private const int GetFlags = 3, SetFlags = 4; // F_GETFL, F_SETFL
    private const int Append = 0x400; // O_APPEND on Linux (x86-64, arm64, arm)

    /// <summary>Sets <c>O_APPEND</c> on <paramref name="handle"/>; false where the kernel's append mode is
    /// not available (not Linux), leaving the handle as it was.</summary>
    /// <exception cref="IOException">The kernel refused the change.</exception>
    public static bool TrySet(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux()) return false;
        var referenced = false;
        try
        {
            // Held so that the descriptor cannot be closed (and its number reused) during the calls.
            handle.DangerousAddRef(ref referenced);
            var descriptor = (int)handle.DangerousGetHandle();
            var flags = Fcntl(descriptor, GetFlags, 0);
            if (flags < 0 || Fcntl(descriptor, SetFlags, flags | Append) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new IOException($"Could not put the file into append mode (errno {errno}).", errno);
            }
            return true;
        }
        finally
        {
            if (referenced) handle.DangerousRelease();
        }
    }

    // fcntl is variadic; with int arguments only, the fixed-argument call is what the Linux ABIs pass.
    [DllImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int Fcntl(int descriptor, int command, int argument);
}
