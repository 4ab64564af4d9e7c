using System.Text;
using GrainStream.Grains.Logs;

namespace GrainStream.Tests.Platform.Logs;

/// <summary>A block of lines goes into a log file whole or not at all: a write the disk cannot take
/// whole leaves the file as it was, with no torn line for readers to tail.</summary>
public sealed class WholeAppendTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "grainstream-whole-" + Guid.NewGuid().ToString("N") + ".log");

    [Fact]
    public async Task A_block_the_disk_takes_is_appended_whole()
    {
        await File.WriteAllTextAsync(_path, "one\n");

        await using (var stream = new FileStream(_path, FileMode.Append, FileAccess.Write))
        {
            await WholeAppend.WriteAsync(stream, "two\nthree\n"u8.ToArray());
        }

        Assert.Equal("one\ntwo\nthree\n", await File.ReadAllTextAsync(_path));
    }

    [Fact]
    public async Task A_block_the_disk_fills_up_in_leaves_the_file_as_it_was()
    {
        await File.WriteAllTextAsync(_path, "one\n");
        var block = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("a line of the block\n", 100)));

        await using (var stream = new DiskFillingStream(new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 1), room: 1000))
        {
            var error = await Assert.ThrowsAsync<IOException>(() => WholeAppend.WriteAsync(stream, block));
            Assert.Equal(28, error.HResult);
        }

        Assert.Equal("one\n", await File.ReadAllTextAsync(_path));
    }

    public void Dispose() => File.Delete(_path);

    /// <summary>A file stream on a disk with <c>room</c> bytes left: a write takes what fits, then fails
    /// with ENOSPC as Linux reports it (the part written stays in the file).</summary>
    private sealed class DiskFillingStream(FileStream file, int room) : Stream
    {
        private int _room = room;

        public override bool CanRead => false;

        public override bool CanSeek => true;

        public override bool CanWrite => true;

        public override long Length => file.Length;

        public override long Position
        {
            get => file.Position;
            set => file.Position = value;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var fits = Math.Min(_room, buffer.Length);
            await file.WriteAsync(buffer[..fits], cancellationToken);
            await file.FlushAsync(cancellationToken);
            _room -= fits;
            if (fits < buffer.Length) throw new IOException("No space left on device", 28);
        }

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void SetLength(long value) => file.SetLength(value);

        public override void Flush() => file.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => file.Seek(offset, origin);

        protected override void Dispose(bool disposing)
        {
            if (disposing) file.Dispose();
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await file.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
