namespace GrainStream.Api.Sse;

/// <summary>How much history a resume reads and writes at a time, bounded in bytes as well as
/// events: a page of <see cref="SseOptions.HistoryPageSize"/> large events (queue bodies may be a
/// megabyte each) would otherwise be hundreds of megabytes held for one request.</summary>
internal static class HistoryPaging
{
    /// <summary>Events in the first page, before the events' size is known.</summary>
    public const int FirstPageSize = 16;

    /// <summary>The next page's size in events: as many as fit <see cref="SseOptions.HistoryPageBytes"/>
    /// at the previous page's average event size, at least 1 and at most <see cref="SseOptions.HistoryPageSize"/>.</summary>
    public static int NextPageSize(int previousEvents, long previousBytes, SseOptions options)
    {
        var most = Math.Max(1, options.HistoryPageSize);
        if (previousEvents <= 0) return Math.Min(FirstPageSize, most);
        var average = Math.Max(1, previousBytes / previousEvents);
        return (int)Math.Clamp(Math.Max(1, options.HistoryPageBytes) / average, 1, most);
    }
}
