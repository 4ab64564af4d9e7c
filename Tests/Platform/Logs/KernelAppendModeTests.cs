using GrainStream.Grains.Logs;

namespace GrainStream.Tests.Platform.Logs;

/// <summary>The kernel's append mode on a .NET file handle: writes land at the end whatever offset
/// .NET gives them, and a handle already closed is refused before any call reaches its descriptor.</summary>
public sealed class KernelAppendModeTests : IDisposable
{
    private readonly TemporaryLogRoot _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public void Writes_at_any_offset_land_at_the_end_in_append_mode()
    {
        if (!OperatingSystem.IsLinux()) return;
        var path = _root.File("mode.log");
        File.WriteAllText(path, "one\n");
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);

        Assert.True(KernelAppendMode.TrySet(handle));
        RandomAccess.Write(handle, "two\n"u8, fileOffset: 0);
        RandomAccess.Write(handle, "three\n"u8, fileOffset: 1);

        Assert.Equal("one\ntwo\nthree\n", File.ReadAllText(path));
    }

    [Fact]
    public void A_closed_handle_is_refused_and_no_descriptor_is_touched()
    {
        if (!OperatingSystem.IsLinux()) return;
        var path = _root.File("closed.log");
        File.WriteAllText(path, "");
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
        handle.Dispose();

        Assert.Throws<ObjectDisposedException>(() => KernelAppendMode.TrySet(handle));
    }
}
