using System.Diagnostics;
using System.Text;
using GrainStream.Grains.Logs;
using Orleans.TestingHost;
using GrainStream.Streams;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Platform.Logs;

public sealed class LogFileTests : IAsyncLifetime
{
    private readonly TemporaryLogRoot _root = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await LogCluster.StartAsync(_root, configure: o => { o.MaxAppendBytes = 1000; o.MaxLineLength = 8; });

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _root.Dispose();
    }

    private ILogFileGrain Log(string name) => _cluster.Client.GetGrain<ILogFileGrain>(name);

    private static IEnumerable<(long, string)> Lines(RawStreamRecorder events) => events.Of<LogLine>("line").Select(l => (l.N, l.Text));

    [Fact]
    public async Task Lines_written_by_another_process_appear_as_events()
    {
        var events = await RawStreamRecorder.SubscribeAsync(_cluster, LogStreams.File("app.log"));
        await Log("app.log").EnsureWatching();

        using var shell = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "printf 'a\\nb\\n' >> app.log"]) { WorkingDirectory = _root.Path })!;
        await shell.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, shell.ExitCode);

        await Eventually.TrueAsync(() => events.Of<LogLine>("line").Count >= 2, "the two lines written by the shell");
        Assert.Equal([(1L, "a"), (2L, "b")], Lines(events));
        var status = await Log("app.log").GetStatus();
        Assert.Equal(new LogFileStatus("app.log", 2, 4, true), status);
    }

    [Fact]
    public async Task Partial_last_line_is_emitted_once_completed()
    {
        var events = await RawStreamRecorder.SubscribeAsync(_cluster, LogStreams.File("partial.log"));
        await Log("partial.log").EnsureWatching();
        await File.AppendAllTextAsync(_root.File("partial.log"), "one\r\ntw");
        await Eventually.TrueAsync(() => events.Of<LogLine>("line").Count >= 1, "the complete line");
        await Eventually.TrueAsync(async () => (await Log("partial.log").GetStatus()).Offset == 5, "the offset before the partial line");

        await File.AppendAllTextAsync(_root.File("partial.log"), "o\nthree\n");
        await Eventually.TrueAsync(() => events.Of<LogLine>("line").Count >= 3, "the completed and the next line");
        // Events arrive in order, so had "tw" been emitted early it would show up here.
        Assert.Equal([(1L, "one"), (2L, "two"), (3L, "three")], Lines(events));
    }

    [Fact]
    public async Task Truncation_emits_rotated_and_restarts_numbering()
    {
        var events = await RawStreamRecorder.SubscribeAsync(_cluster, LogStreams.File("rot.log"));
        await File.WriteAllTextAsync(_root.File("rot.log"), "a\nb\nc\n");
        await Log("rot.log").EnsureWatching();
        await Eventually.TrueAsync(() => events.Of<LogLine>("line").Count >= 3, "the first three lines");

        await File.WriteAllTextAsync(_root.File("rot.log"), "x\n");
        await Eventually.TrueAsync(() => events.Of<LogLine>("line").Count >= 4, "the line after truncation");
        var rotated = Assert.Single(events.Of<LogRotated>("rotated"));
        Assert.Equal(("rot.log", "truncated"), (rotated.Name, rotated.Reason));
        Assert.Equal([(1L, "a"), (2L, "b"), (3L, "c"), (1L, "x")], Lines(events));
        Assert.Equal(["line", "line", "line", "rotated", "line"], events.Events.Select(e => e.EventName));
    }

    [Fact]
    public async Task Replaced_file_emits_rotated_and_is_read_from_its_start()
    {
        var events = await RawStreamRecorder.SubscribeAsync(_cluster, LogStreams.File("swap.log"));
        await File.WriteAllTextAsync(_root.File("swap.log"), "old\n");
        await Log("swap.log").EnsureWatching();
        await Eventually.TrueAsync(() => events.Of<LogLine>("line").Count >= 1, "the old line");

        // Longer than what was read, so only the changed start tells it apart.
        var replacement = _root.File("swap.log.new");
        await File.WriteAllTextAsync(replacement, "new one\nnew two\n");
        File.Move(replacement, _root.File("swap.log"), overwrite: true);
        await Eventually.TrueAsync(() => events.Of<LogLine>("line").Count >= 3, "the replacement's lines");
        Assert.Equal("replaced", Assert.Single(events.Of<LogRotated>("rotated")).Reason);
        Assert.Equal([(1L, "old"), (1L, "new one"), (2L, "new two")], Lines(events));
    }

    [Fact]
    public async Task Append_writes_lines_to_the_file()
    {
        var events = await RawStreamRecorder.SubscribeAsync(_cluster, LogStreams.File("out.log"));
        Assert.Equal(2, await Log("out.log").Append(["hello", "wörld"]));
        Assert.Equal("hello\nwörld\n", await File.ReadAllTextAsync(_root.File("out.log")));
        await Eventually.TrueAsync(() => events.Of<LogLine>("line").Count >= 2, "the appended lines as events");
        Assert.Equal([(1L, "hello"), (2L, "wörld")], Lines(events));

        // A line left open by another program is ended before the appended one.
        await File.AppendAllTextAsync(_root.File("out.log"), "open");
        Assert.Equal(1, await Log("out.log").Append(["x"]));
        Assert.Equal("hello\nwörld\nopen\nx\n", await File.ReadAllTextAsync(_root.File("out.log")));
        Assert.Equal(0, await Log("out.log").Append([]));

        Assert.Contains("lines[1]", (await Assert.ThrowsAsync<ArgumentException>(() => Log("out.log").Append(["fine", "two\nlines"]))).Message);
        Assert.Contains("lines[0]", (await Assert.ThrowsAsync<ArgumentException>(() => Log("out.log").Append(["carriage\rreturn"]))).Message);
        Assert.Contains("1000 bytes", (await Assert.ThrowsAsync<ArgumentException>(() => Log("out.log").Append([new string('z', 600), new string('z', 600)]))).Message);
        Assert.Equal("hello\nwörld\nopen\nx\n", await File.ReadAllTextAsync(_root.File("out.log")));
    }

    [Fact]
    public async Task Lines_longer_than_the_maximum_are_split_at_character_boundaries()
    {
        var events = await RawStreamRecorder.SubscribeAsync(_cluster, LogStreams.File("long.log"));
        await Log("long.log").EnsureWatching();
        await File.WriteAllTextAsync(_root.File("long.log"), "abcdefghij\nééééé\n", new UTF8Encoding(false));
        await Eventually.TrueAsync(() => events.Of<LogLine>("line").Count >= 4, "the pieces");
        Assert.Equal([(1L, "abcdefgh"), (2L, "ij"), (3L, "éééé"), (4L, "é")], Lines(events));
    }

    [Fact]
    public async Task Missing_file_is_fine_and_is_read_once_it_appears()
    {
        var events = await RawStreamRecorder.SubscribeAsync(_cluster, LogStreams.File("later.log"));
        await Log("later.log").EnsureWatching();
        Assert.Equal(new LogFileStatus("later.log", 0, 0, true), await Log("later.log").GetStatus());
        await File.WriteAllTextAsync(_root.File("later.log"), "born\n");
        await Eventually.TrueAsync(() => events.Of<LogLine>("line").Count >= 1, "the first line of the new file");
        Assert.Equal([(1L, "born")], Lines(events));
    }

    [Fact]
    public async Task Names_outside_the_root_are_refused()
    {
        foreach (var name in new[] { "..", ".", "../escape.log", "/etc/passwd", "a/b", "a\\b", "sp ace", new string('n', 129) })
        {
            await Assert.ThrowsAsync<ArgumentException>(() => Log(name).Append(["x"]));
            await Assert.ThrowsAsync<ArgumentException>(() => Log(name).EnsureWatching());
        }
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(_root.Path)!, "escape.log")));

        using var outside = new TemporaryLogRoot();
        await File.WriteAllTextAsync(outside.File("secret.txt"), "secret\n");
        File.CreateSymbolicLink(_root.File("escape.log"), outside.File("secret.txt"));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Log("escape.log").Append(["x"]));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => Log("escape.log").EnsureWatching());
        Assert.Equal("secret\n", await File.ReadAllTextAsync(outside.File("secret.txt")));

        // A directory is not a log.
        Directory.CreateDirectory(_root.File("folder"));
        await Assert.ThrowsAsync<ArgumentException>(() => Log("folder").Append(["x"]));
    }

    [Fact]
    public async Task Directory_lists_the_files_of_the_root_by_name_without_links_out_of_it()
    {
        await File.WriteAllTextAsync(_root.File("b.log"), "bb\n");
        await File.WriteAllTextAsync(_root.File("a.log"), "a\n");
        await File.WriteAllTextAsync(_root.File("bad name.log"), "x\n");
        Directory.CreateDirectory(_root.File("sub"));
        File.CreateSymbolicLink(_root.File("inside-link.log"), _root.File("b.log"));
        using var outside = new TemporaryLogRoot();
        await File.WriteAllTextAsync(outside.File("secret.txt"), "secret\n");
        File.CreateSymbolicLink(_root.File("escape.log"), outside.File("secret.txt"));

        var files = await _cluster.Client.GetGrain<ILogDirectoryGrain>(ILogDirectoryGrain.Key).List();

        Assert.Equal(["a.log", "b.log", "inside-link.log"], files.Select(f => f.Name));
        Assert.Equal([2L, 3L, 3L], files.Select(f => f.Size));
    }
}
