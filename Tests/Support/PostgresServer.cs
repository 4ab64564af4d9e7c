using System.Diagnostics;
using Npgsql;

namespace GrainStream.Tests.Support;

/// <summary>One throwaway PostgreSQL server for the whole test run, started on first use with
/// <c>scripts/postgres.sh</c> (which installs the server when it is missing) in a temporary folder
/// and stopped when the test process exits. Each test takes a database of its own.</summary>
public static class PostgresServer
{
    private static readonly Lazy<Task<string>> Server = new(StartAsync);
    private const string FolderPrefix = "grainstream-pg-";
    private static string? _folder;

    /// <summary>A connection string to a new, empty database on the server.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var server = await Server.Value;
        var name = "gs_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    private static async Task<string> StartAsync()
    {
        var root = RepositoryRoot.Find() ?? throw new InvalidOperationException("The PostgreSQL tests run from a checkout (scripts/postgres.sh).");
        RemoveLeftovers();
        _folder = Path.Combine(Path.GetTempPath(), FolderPrefix + Guid.NewGuid().ToString("N")[..8]);
        var output = await RunScriptAsync(root, "start", _folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop(root);
        return output.Trim().Split('\n')[^1];
    }

    private static void Stop(string root)
    {
        if (_folder is null) return;
        try
        {
            RunScriptAsync(root, "stop", _folder).Wait(TimeSpan.FromSeconds(30));
            Directory.Delete(_folder, recursive: true);
        }
        catch (Exception)
        {
            // Best effort at exit: a leftover temp folder is harmless.
        }
    }

    // The test host may be ended before its exit handler has deleted the folder: delete the folders
    // of earlier runs whose server is no longer running.
    private static void RemoveLeftovers()
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), FolderPrefix + "*"))
        {
            var pidFile = Path.Combine(folder, "data", "postmaster.pid");
            try
            {
                if (File.Exists(pidFile) && int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid) && IsRunning(pid)) continue;
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // Someone else's or in use: leave it.
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task<string> RunScriptAsync(string root, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(root, "scripts", "postgres.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/postgres.sh {string.Join(' ', arguments)} failed ({process.ExitCode}): {await stderr}");
        return await stdout;
    }
}
