using GrainStream.Api.Sse;

namespace GrainStream.Tests.Api;

public sealed class HistoryPagingTests
{
    private static readonly SseOptions Options = new() { HistoryPageSize = 512, HistoryPageBytes = 1 << 20 };

    [Fact]
    public void The_first_page_is_small_until_the_events_size_is_known()
        => Assert.Equal(HistoryPaging.FirstPageSize, HistoryPaging.NextPageSize(0, 0, Options));

    [Fact]
    public void Small_events_come_in_full_pages()
        => Assert.Equal(512, HistoryPaging.NextPageSize(16, 16 * 200, Options));

    [Fact]
    public void Pages_of_large_events_shrink_to_the_byte_bound()
        => Assert.Equal(2, HistoryPaging.NextPageSize(16, 16L * 500_000, Options));

    [Fact]
    public void A_page_never_has_fewer_than_one_event()
        => Assert.Equal(1, HistoryPaging.NextPageSize(1, 8L << 20, Options));
}
