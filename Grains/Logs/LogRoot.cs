using Microsoft.Extensions.Options;

namespace GrainStream.Grains.Logs;

/// <summary>The one place that turns a log name into a path. A name must be a valid
/// <see cref="EntityKey"/> (so no separators, no <c>.</c> or <c>..</c>, nothing absolute), its
/// path must lie directly inside the root, and a symbolic link is followed only when its final
/// target lies inside the root too.</summary>
/// <remarks>
/// Errors: an invalid name throws <see cref="ArgumentException"/> (HTTP 400); a name that is a
/// link pointing out of the root throws <see cref="UnauthorizedAccessException"/> (HTTP 403); a
/// name that is a directory throws <see cref="ArgumentException"/>. The check is made at each use,
/// so a link created later is refused too; hard links cannot be told apart and are not checked.
/// </remarks>
public sealed class LogRoot
{
    private readonly string _root;
    private readonly string _rootWithSeparator;
    private readonly string? _resolvedRootWithSeparator;

    /// <summary>Uses <see cref="LogOptions.Root"/>, creating the directory when missing.</summary>
    public LogRoot(IOptions<LogOptions> options)
        : this(options.Value.Root)
    {
    }

    /// <summary>Uses <paramref name="root"/>, creating the directory when missing.</summary>
    public LogRoot(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        Directory.CreateDirectory(_root);
        _rootWithSeparator = _root + Path.DirectorySeparatorChar;
        // When the root itself is reached through a link, targets may be written against its real path.
        if (new DirectoryInfo(_root).ResolveLinkTarget(returnFinalTarget: true) is { } real)
        {
            _resolvedRootWithSeparator = Path.TrimEndingDirectorySeparator(Path.GetFullPath(real.FullName)) + Path.DirectorySeparatorChar;
        }
    }

    /// <summary>The root's full path.</summary>
    public string FullPath => _root;

    /// <summary>The full path of the log <paramref name="name"/> (which need not exist yet).</summary>
    /// <exception cref="ArgumentException">The name is not a valid key, or is a directory.</exception>
    /// <exception cref="UnauthorizedAccessException">The name is a link whose target lies outside the root.</exception>
    public string Resolve(string? name)
    {
        var path = Path.GetFullPath(Path.Combine(_root, EntityKey.Require(name, "name")));
        // Belt and braces: a valid key can only land directly inside the root.
        if (!string.Equals(Path.GetDirectoryName(path), _root, StringComparison.Ordinal)) throw new ArgumentException("name must be a file directly inside the log root.", nameof(name));
        var info = new FileInfo(path);
        if (info.LinkTarget is not null && !IsInside(FinalTarget(info)))
        {
            throw new UnauthorizedAccessException($"The log '{name}' is a link to a file outside the log root.");
        }
        if (Directory.Exists(path)) throw new ArgumentException($"The log '{name}' is a directory.", nameof(name));
        return path;
    }

    /// <summary>Opens the log <paramref name="name"/> for appending, creating it only when
    /// <paramref name="allowCreate"/>. Each write lands at the file's end as it is when written, also
    /// when other programs append meanwhile (the kernel's append mode, see <see cref="KernelAppendMode"/>;
    /// where that is not available, at the end the file had when opened). The opened file is checked,
    /// not just its path beforehand: a link swapped in between the check and the open is refused too.</summary>
    /// <exception cref="FileNotFoundException">The log does not exist and may not be created (HTTP 404).</exception>
    /// <exception cref="UnauthorizedAccessException">The opened file lies outside the root.</exception>
    public FileStream OpenForAppend(string name, bool allowCreate)
    {
        var path = Resolve(name);
        var handle = OpenChecked(path, name, allowCreate);
        try
        {
            if (KernelAppendMode.TrySet(handle)) return new FileStream(handle, FileAccess.Write, bufferSize: 0);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        using (handle)
        {
            // No kernel append mode (not Linux, so no /proc/self/fd either): the checked path, reopened
            // in .NET's append mode while the checked handle is held.
            return new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        }
    }

    /// <summary>Opens the log <paramref name="name"/> for reading, checking the opened file as
    /// <see cref="OpenForAppend"/> does.</summary>
    /// <exception cref="FileNotFoundException">The log does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">The opened file lies outside the root.</exception>
    public FileStream OpenForRead(string name)
    {
        var path = Resolve(name);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
        try
        {
            EnsureInside(stream.SafeFileHandle, path, name);
            return stream;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private Microsoft.Win32.SafeHandles.SafeFileHandle OpenChecked(string path, string name, bool allowCreate)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException) when (allowCreate)
        {
            try
            {
                // CreateNew is O_CREAT|O_EXCL: it never follows a link, so a dangling link pointing
                // out of the root cannot make a file appear out there.
                handle = File.OpenHandle(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            }
            catch (IOException exception) when (exception is not FileNotFoundException && (File.Exists(path) || new FileInfo(path).LinkTarget is not null))
            {
                // Created meanwhile by someone else, or a link: open what is there (and check it).
                handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            }
        }
        catch (FileNotFoundException exception)
        {
            throw new FileNotFoundException($"The log '{name}' does not exist, and creating logs is not allowed here (Logs:AllowCreate).", name, exception);
        }
        try
        {
            EnsureInside(handle, path, name);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Refuses an opened file whose real path lies outside the root. On Linux the kernel names
    /// the file behind the descriptor (<c>/proc/self/fd/N</c>), which no later rename or link can
    /// change; elsewhere the path is resolved again right after the open (narrowing the window only).</summary>
    private void EnsureInside(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path, string name)
    {
        string real;
        if (DescriptorPath(handle) is { } descriptor)
        {
            real = new FileInfo(descriptor).LinkTarget is { } target ? Path.GetFullPath(target) : path;
        }
        else
        {
            var info = new FileInfo(path);
            real = info.LinkTarget is not null ? FinalTarget(info) : path;
        }
        if (!IsInside(real)) throw new UnauthorizedAccessException($"The log '{name}' is a link to a file outside the log root.");
    }

    private static string? DescriptorPath(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var path = $"/proc/self/fd/{handle.DangerousGetHandle().ToInt64()}";
        return File.Exists(path) ? path : null;
    }

    /// <summary>The regular files directly inside the root whose names are valid keys, sorted by
    /// name; links are listed when their final target is a file inside the root (with the target's size and time).</summary>
    public IReadOnlyList<LogFileInfo> List()
    {
        var files = new List<LogFileInfo>();
        foreach (var entry in new DirectoryInfo(_root).EnumerateFileSystemInfos())
        {
            if (entry is not FileInfo file || !EntityKey.IsValid(file.Name)) continue;
            try
            {
                if (file.LinkTarget is not null)
                {
                    var target = FinalTarget(file);
                    if (!IsInside(target)) continue;
                    file = new FileInfo(target);
                    if (!file.Exists) continue;
                }
                files.Add(new LogFileInfo(entry.Name, file.Length, file.LastWriteTimeUtc));
            }
            catch (IOException)
            {
                // Gone while listing.
            }
        }
        files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return files;
    }

    private static string FinalTarget(FileInfo link)
    {
        var target = link.ResolveLinkTarget(returnFinalTarget: true);
        return Path.GetFullPath(target?.FullName ?? link.FullName);
    }

    private bool IsInside(string fullPath)
        => fullPath.StartsWith(_rootWithSeparator, StringComparison.Ordinal)
           || _resolvedRootWithSeparator is not null && fullPath.StartsWith(_resolvedRootWithSeparator, StringComparison.Ordinal);
}
