using System.Diagnostics;
using System.Globalization;

namespace GrainStream.Tests.Support;

/// <summary>A program of the repository (<c>Api</c>, <c>Silo</c>), built beside the tests, run as a
/// real process: what only a real process shows (kill -9, a frozen process, a restart on the same
/// data). Its output is kept (the last lines) for failure messages and for waiting on a log line.</summary>
public sealed class DotnetProcess : IAsyncDisposable
{
    private const int KeptLines = 300;

    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _awaited = [];

    private DotnetProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    /// <summary>For messages: the program and what distinguishes this instance.</summary>
    public string Name { get; }

    /// <summary>The operating system's process id.</summary>
    public int Id => _process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once the process has ended.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <c>&lt;repo&gt;/<paramref name="project"/>/bin/&lt;configuration&gt;/&lt;tfm&gt;/<paramref name="assembly"/></c>
    /// with <paramref name="arguments"/> (as <c>--key=value</c>) in <paramref name="workingDirectory"/>.</summary>
    public static DotnetProcess Start(string project, string assembly, string name, IEnumerable<KeyValuePair<string, string>> arguments, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        start.ArgumentList.Add(AssemblyPath(project, assembly));
        foreach (var (key, value) in arguments) start.ArgumentList.Add($"--{key}={value}");
        // Plain lines: no colours or multi-line console formatting to parse.
        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        start.Environment["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled";
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var running = new DotnetProcess(process, name);
        process.OutputDataReceived += (_, e) => running.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => running.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    /// <summary>Completes when the output has a line containing <paramref name="text"/>; fails with
    /// the output so far if the process exits first or <paramref name="timeout"/> passes.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        TaskCompletionSource seen;
        lock (_lines)
        {
            if (_lines.Any(line => line.Contains(text, StringComparison.Ordinal))) return;
            seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _awaited.Add((text, seen));
        }
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(seen.Task, exited, Task.Delay(timeout));
        if (first == seen.Task) return;
        throw new TimeoutException(first == exited
            ? $"{Name} exited ({_process.ExitCode}) before printing '{text}'. Output:\n{Output()}"
            : $"{Name} did not print '{text}' within {timeout.TotalSeconds:0} s. Output:\n{Output()}");
    }

    /// <summary>The last lines the process printed.</summary>
    public string Output()
    {
        lock (_lines) return string.Join('\n', _lines);
    }

    /// <summary>SIGKILL: nothing is flushed or stopped gracefully.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>SIGTERM, then waits for the graceful shutdown to end.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        await SignalAsync("TERM");
        await _process.WaitForExitAsync().WaitAsync(timeout);
    }

    /// <summary>SIGSTOP: the process freezes; its sockets stay open and nothing refuses.</summary>
    public Task FreezeAsync() => SignalAsync("STOP");

    /// <summary>SIGCONT: a frozen process runs again.</summary>
    public Task ResumeAsync() => SignalAsync("CONT");

    /// <summary>Waits for the process to end by itself.</summary>
    public Task WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync().WaitAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        await kill.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > KeptLines) _lines.Dequeue();
            for (var i = _awaited.Count - 1; i >= 0; i--)
            {
                if (!line.Contains(_awaited[i].Text, StringComparison.Ordinal)) continue;
                _awaited[i].Seen.TrySetResult();
                _awaited.RemoveAt(i);
            }
        }
    }

    // <repo>/<project>/bin/<configuration>/<tfm>/<assembly>, as the tests themselves were built.
    private static string AssemblyPath(string project, string assembly)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var root = RepositoryRoot.Find() ?? throw new DirectoryNotFoundException("GrainStream.sln not found above the test output.");
        var path = Path.Combine(root, project, "bin", configuration, framework, assembly);
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {project} first ({configuration}); {path} is missing.");
    }
}
