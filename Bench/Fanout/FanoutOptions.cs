using System.Globalization;

namespace GrainStream.Bench.Fanout;

/// <summary>Options of <c>fanout</c> (hand-parsed <c>--name value</c>).</summary>
internal sealed class FanoutOptions
{
    public const string Usage = """
        usage: GrainStream.Bench fanout --subscribers N --topics K --rate R --messages M
                 [--target grainstream|nchan] [--url http://127.0.0.1:5090[,http://...]] [--server-pid PID]
                 [--publishers n (64)] [--connect-concurrency n (100)] [--reconnect-ms n (250)]
                 [--drain-seconds s (10)] [--idle-seconds s (5)] [--run-id text] [--label text]
                 [--fault-pid PID --fault-signal KILL|STOP|TERM --fault-after s] [--late-ms n (1000)]
                 [--honour-retry true|false (false)] [--warmup-seconds s (0)]
        Opens N SSE connections spread over K chat rooms (nchan: channels), posts M messages at R/s
        (round-robin over the rooms), and prints one JSON object as its last line. With --messages 0
        it measures idle connections: the server's resident memory per open connection. Several
        URLs (API nodes of a cluster): subscribers and posts are spread over them. A fault: the signal
        is sent to PID that many seconds into publishing, and the result says how long until posts
        stopped failing and until deliveries were no later than --late-ms again. --honour-retry makes
        subscribers wait the server's last retry: before reconnecting, as EventSource does (else
        --reconnect-ms). --warmup-seconds posts at the same rate for that long before the counted
        messages, unmeasured: what a server does once after the subscribers connected (a runtime's
        collection of the connections' objects) is then not in the figures.
        """;

    public int Subscribers { get; private set; } = 1000;
    public int Topics { get; private set; } = 1;
    public double Rate { get; private set; } = 200;
    public int Messages { get; private set; } = 2000;
    public string Target { get; private set; } = "grainstream";
    public Uri[] Urls { get; private set; } = [new("http://127.0.0.1:5090")];
    public int? FaultPid { get; private set; }
    public string FaultSignal { get; private set; } = "KILL";
    public double FaultAfterSeconds { get; private set; } = 5;
    public double LateMilliseconds { get; private set; } = 1000;
    public int? ServerPid { get; private set; }
    public int Publishers { get; private set; } = 64;
    public int ConnectConcurrency { get; private set; } = 100;
    public int ReconnectMilliseconds { get; private set; } = 250;
    public bool HonourRetry { get; private set; }
    public double DrainSeconds { get; private set; } = 10;
    public double IdleSeconds { get; private set; } = 5;
    public double WarmupSeconds { get; private set; }
    public string RunId { get; private set; } = Guid.NewGuid().ToString("N")[..8];
    public string? Label { get; private set; }

    public static FanoutOptions? Parse(string[] args)
    {
        var options = new FanoutOptions();
        for (var i = 1; i < args.Length; i++)
        {
            if (i + 1 >= args.Length) return null;
            var value = args[++i];
            int Integer() => int.Parse(value, CultureInfo.InvariantCulture);
            double Number() => double.Parse(value, CultureInfo.InvariantCulture);
            switch (args[i - 1])
            {
                case "--subscribers": options.Subscribers = Integer(); break;
                case "--topics": options.Topics = Integer(); break;
                case "--rate": options.Rate = Number(); break;
                case "--messages": options.Messages = Integer(); break;
                case "--target": options.Target = value; break;
                case "--url": options.Urls = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => new Uri(u))]; break;
                case "--fault-pid": options.FaultPid = Integer(); break;
                case "--fault-signal": options.FaultSignal = value.ToUpperInvariant(); break;
                case "--fault-after": options.FaultAfterSeconds = Number(); break;
                case "--late-ms": options.LateMilliseconds = Number(); break;
                case "--server-pid": options.ServerPid = Integer(); break;
                case "--publishers": options.Publishers = Integer(); break;
                case "--connect-concurrency": options.ConnectConcurrency = Integer(); break;
                case "--reconnect-ms": options.ReconnectMilliseconds = Integer(); break;
                case "--honour-retry": options.HonourRetry = bool.Parse(value); break;
                case "--drain-seconds": options.DrainSeconds = Number(); break;
                case "--idle-seconds": options.IdleSeconds = Number(); break;
                case "--warmup-seconds": options.WarmupSeconds = Number(); break;
                case "--run-id": options.RunId = value; break;
                case "--label": options.Label = value; break;
                default: return null;
            }
        }
        if (options.Target is not ("grainstream" or "nchan") || options.Urls.Length == 0) return null;
        if (options.FaultSignal is not ("KILL" or "STOP" or "TERM")) return null;
        if (options.Subscribers < 1 || options.Topics < 1 || options.Topics > options.Subscribers || options.Messages < 0 || options.Rate <= 0 || options.WarmupSeconds < 0) return null;
        return options;
    }
}
