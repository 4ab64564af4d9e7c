using Microsoft.Extensions.Logging;

namespace GrainStream.Grains.Logs;

/// <summary>One file system watcher on the log root per silo, telling each interested log grain
/// when its file may have changed. One watcher, rather than one per file, because watchers are a
/// scarce kernel resource (inotify instances). When no watcher can be created the grains still
/// notice changes by polling. Callbacks run on the watcher's threads: listeners must only schedule work.</summary>
public sealed class LogRootWatcher(LogRoot root, ILogger<LogRootWatcher> logger) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<Action>> _listeners = new(StringComparer.Ordinal);
    private FileSystemWatcher? _watcher;
    private bool _unavailable;
    private bool _disposed;

    /// <summary>Calls <paramref name="changed"/> (on another thread) whenever the file
    /// <paramref name="name"/> in the root is created, written, deleted or renamed, and after the
    /// watcher lost events. Dispose the result to stop.</summary>
    public IDisposable Watch(string name, Action changed)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_listeners.TryGetValue(name, out var list)) _listeners[name] = list = [];
            list.Add(changed);
            EnsureWatcher();
        }
        return new Registration(this, name, changed);
    }

    private void EnsureWatcher()
    {
        if (_watcher is not null || _unavailable) return;
        try
        {
            var watcher = new FileSystemWatcher(root.FullPath)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            watcher.Changed += (_, e) => Notify(e.Name);
            watcher.Created += (_, e) => Notify(e.Name);
            watcher.Deleted += (_, e) => Notify(e.Name);
            watcher.Renamed += (_, e) =>
            {
                Notify(e.OldName);
                Notify(e.Name);
            };
            watcher.Error += (_, e) =>
            {
                logger.LogWarning(e.GetException(), "The log root watcher lost events; every watched log is read again");
                NotifyAll();
            };
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception exception) when (exception is IOException or PlatformNotSupportedException or UnauthorizedAccessException or ArgumentException)
        {
            _unavailable = true;
            logger.LogWarning(exception, "Cannot watch the log root {Root}; logs are followed by polling only", root.FullPath);
        }
    }

    private void Notify(string? name)
    {
        Action[] listeners;
        lock (_lock)
        {
            if (name is null || !_listeners.TryGetValue(name, out var list)) return;
            listeners = [.. list];
        }
        Invoke(listeners);
    }

    private void NotifyAll()
    {
        Action[] listeners;
        lock (_lock) listeners = [.. _listeners.Values.SelectMany(l => l)];
        Invoke(listeners);
    }

    private void Invoke(Action[] listeners)
    {
        foreach (var listener in listeners)
        {
            try
            {
                listener();
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "A log change listener failed");
            }
        }
    }

    private void Remove(string name, Action changed)
    {
        lock (_lock)
        {
            if (!_listeners.TryGetValue(name, out var list)) return;
            list.Remove(changed);
            if (list.Count == 0) _listeners.Remove(name);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _listeners.Clear();
            _watcher?.Dispose();
            _watcher = null;
        }
    }

    private sealed class Registration(LogRootWatcher owner, string name, Action changed) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) owner.Remove(name, changed);
        }
    }
}
