using System.Diagnostics.CodeAnalysis;
using GrainStream.Grains;
using GrainStream.Grains.Chat;
using GrainStream.Grains.Logs;
using GrainStream.Grains.Queues;
using GrainStream.Grains.Stocks;
using GrainStream.Grains.Tasks;
using GrainStream.Streams;
using Orleans.Runtime;

namespace GrainStream.Api.Sse;

/// <summary>The topics of <c>/api/events</c>: <c>chat:{room}</c>, <c>stock:{symbol}</c>,
/// <c>task:{id}</c>, <c>tasks:{queue}</c>, <c>log:{name}</c> and <c>queue:{queue}/{consumer}</c>.
/// A topic is its stream's <c>namespace:key</c>, so events name their topic without a lookup.</summary>
internal static class EventTopic
{
    /// <summary>Parses a topic into its stream; <paramref name="error"/> says what is wrong otherwise.</summary>
    public static bool TryParse(string? topic, out StreamId stream, [NotNullWhen(false)] out string? error)
    {
        stream = default;
        var colon = topic?.IndexOf(':') ?? -1;
        if (topic is null || colon <= 0)
        {
            error = $"'{topic}' is not a topic: use kind:key with kind chat, stock, task, tasks, log or queue.";
            return false;
        }
        var kind = topic[..colon];
        var key = topic[(colon + 1)..];
        switch (kind)
        {
            case "chat":
                return Key(key, "room", ChatStreams.Room, out stream, out error);
            case "stock":
                return Key(key, "symbol", StockStreams.Symbol, out stream, out error);
            case "task":
                return Key(key, "task id", TaskStreams.Task, out stream, out error);
            case "tasks":
                return Key(key, "queue", TaskStreams.Queue, out stream, out error);
            case "log":
                return Key(key, "log name", LogStreams.File, out stream, out error);
            case "queue":
                var slash = key.IndexOf('/');
                if (slash <= 0 || !EntityKey.IsValid(key[..slash]) || !EntityKey.IsValid(key[(slash + 1)..]))
                {
                    error = $"Topic '{topic}': use queue:{{queue}}/{{consumer}}, each matching {EntityKey.Pattern} and not '.' or '..'.";
                    return false;
                }
                stream = QueueStreams.Consumer(key[..slash], key[(slash + 1)..]);
                error = null;
                return true;
            default:
                error = $"Topic '{topic}': unknown kind '{kind}'; use chat, stock, task, tasks, log or queue.";
                return false;
        }
    }

    private static bool Key(string key, string what, Func<string, StreamId> stream, out StreamId streamId, [NotNullWhen(false)] out string? error)
    {
        if (!EntityKey.IsValid(key))
        {
            streamId = default;
            error = $"The {what} '{key}' must match {EntityKey.Pattern} and not be '.' or '..'.";
            return false;
        }
        streamId = stream(key);
        error = null;
        return true;
    }
}
