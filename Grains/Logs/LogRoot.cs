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
