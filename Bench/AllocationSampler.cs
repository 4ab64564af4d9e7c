using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace GrainStream.Bench;

/// <summary>Counts allocated bytes, by type when asked, through the runtime's AllocationTick event
/// (one event per ~100 KB allocated). Unlike GC.GetTotalAllocatedBytes this stays right under
/// Server GC, and it needs no external profiler.</summary>
internal sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytesByType = new();
    private long _totalBytes;

    /// <summary>Also keep bytes per type (for <see cref="Print"/>).</summary>
    public bool ByType { get; init; }

    public long TotalBytes => Interlocked.Read(ref _totalBytes);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName is null || !eventData.EventName.StartsWith("GCAllocationTick", StringComparison.Ordinal) || eventData.Payload is null) return;
        var amountIndex = eventData.PayloadNames!.IndexOf("AllocationAmount64");
        var amount = amountIndex >= 0 ? Convert.ToInt64(eventData.Payload[amountIndex], System.Globalization.CultureInfo.InvariantCulture) : 100_000;
        Interlocked.Add(ref _totalBytes, amount);
        if (!ByType) return;
        var typeIndex = eventData.PayloadNames.IndexOf("TypeName");
        var type = typeIndex >= 0 ? eventData.Payload[typeIndex] as string ?? "?" : "?";
        _bytesByType.AddOrUpdate(type, amount, (_, total) => total + amount);
    }

    public void Print(int top = 25)
    {
        var total = Math.Max(1, _bytesByType.Values.Sum());
        Console.WriteLine($"  allocation samples ({total / 1_000_000.0:N0} MB sampled):");
        foreach (var (type, bytes) in _bytesByType.OrderByDescending(p => p.Value).Take(top))
        {
            Console.WriteLine($"    {100.0 * bytes / total,5:N1}%  {type}");
        }
    }
}
