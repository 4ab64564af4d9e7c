using System.Globalization;

namespace GrainStream.Bench.Fanout;

/// <summary>The server under test, read from <c>/proc</c>: a process and its children (nginx's
/// workers), so CPU time and memory are comparable whether a server is one process or several.</summary>
internal sealed class ServerProcess(int pid)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux

    public int Pid { get; } = pid;

    /// <summary>User plus system CPU seconds used so far by the process and its children.</summary>
    public double CpuSeconds() => Processes().Sum(p => CpuTicks(p)) / TicksPerSecond;

    /// <summary>Resident memory now, in KiB.</summary>
    public long ResidentKiB() => Processes().Sum(p => StatusKiB(p, "VmRSS:"));

    /// <summary>Peak resident memory since each process started, in KiB.</summary>
    public long PeakResidentKiB() => Processes().Sum(p => StatusKiB(p, "VmHWM:"));

    private List<int> Processes()
    {
        var pids = new List<int> { Pid };
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var child) || child == Pid) continue;
            if (ParentOf(child) == Pid) pids.Add(child);
        }
        return pids;
    }

    // /proc/PID/stat: "pid (comm) state ppid ...": fields after the closing parenthesis.
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static int ParentOf(int pid) => StatFields(pid) is { } f ? int.Parse(f[1], CultureInfo.InvariantCulture) : -1;

    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after "state".
    private static long CpuTicks(int pid) => StatFields(pid) is { } f
        ? long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)
        : 0;

    private static long StatusKiB(int pid, string key)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    return long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }
}
