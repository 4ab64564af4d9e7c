using GrainStream.Streams;

namespace GrainStream.Tests.Persistence.Specifications;

/// <summary>The contract of a stream's event log (<see cref="IEventLog"/>), stated once for every
/// provider. A class per provider derives from it, supplies a fresh store for each test (xunit makes
/// one instance per test) and adds the tests only its provider can answer. Retention is
/// <see cref="IEventLog.TrimAsync"/>'s: an append never trims.</summary>
public abstract class EventLogSpecification : IAsyncLifetime
{
    /// <summary>How many events a stream keeps under <see cref="KeepHundred"/>.</summary>
    protected const int Retention = 100;

    /// <summary>Keeps the newest <see cref="Retention"/> events, whatever their age.</summary>
    protected static readonly EventRetention KeepHundred = new(Retention, [], Retention, TimeSpan.Zero);

    protected static readonly StreamId Lobby = StreamIds.Create("chat", "lobby");

    private IEventLog? _log;

    /// <summary>The log under test, on the test's store, its epochs from the system clock.</summary>
    protected IEventLog Log => _log ?? throw new InvalidOperationException("Not initialised.");

    /// <summary>Creates the test's empty store.</summary>
    protected abstract Task CreateStoreAsync();

    /// <summary>Releases the test's store and whatever the test opened on it.</summary>
    protected abstract Task DisposeStoreAsync();

    /// <summary>A log on the test's store whose new epochs come from <paramref name="clock"/>.</summary>
    protected abstract IEventLog CreateLog(TimeProvider clock);

    /// <summary>Removes every stream's log row (epoch and range) by hand, as an operator (or a bug) outside the log would.</summary>
    protected abstract Task RemoveStreamLogsByHandAsync();


    /// <summary>How many events the store holds, of every stream.</summary>
    protected abstract Task<long> StoredEventCountAsync();

    /// <summary>How many stream log rows (epoch and range) the store holds.</summary>
    protected abstract Task<long> StoredStreamLogCountAsync();

    async Task IAsyncLifetime.InitializeAsync()
    {
        await CreateStoreAsync();
        _log = CreateLog(TimeProvider.System);
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeStoreAsync();

    /// <summary>Events <paramref name="firstSequence"/>, +1, … of <paramref name="stream"/> (default the lobby), named <paramref name="name"/>.</summary>
    internal static StreamEvent[] Events(long epoch, long firstSequence, int count, StreamId? stream = null, string name = "message", DateTimeOffset? at = null)
        => Enumerable.Range(0, count)
            .Select(i => new StreamEvent(
                stream ?? Lobby,
                new EventPosition(epoch, firstSequence + i),
                name,
                at ?? DateTimeOffset.UtcNow,
                System.Text.Encoding.UTF8.GetBytes($$"""{"n":{{firstSequence + i}}}""")))
            .ToArray();

    [Fact]
    public async Task Opening_creates_an_empty_log_starting_at_sequence_one()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var position = await Log.OpenAsync(Lobby);

        Assert.True(position.Epoch >= before, $"epoch {position.Epoch} is older than the clock ({before})");
        Assert.Equal(1, position.FirstSequence);
        Assert.Equal(0, position.LastSequence);
    }

    [Fact]
    public async Task A_new_streams_epoch_is_the_creators_clock_in_unix_milliseconds()
    {
        // Far ahead of every other test's clock, so no epoch handed out earlier in the process is larger.
        var now = new DateTimeOffset(2900, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
        var log = CreateLog(new ManualTimeProvider(now));

        var position = await log.OpenAsync(StreamIds.Create("chat", "future"));

        Assert.Equal(now.ToUnixTimeMilliseconds(), position.Epoch);
    }

    [Fact]
    public async Task Streams_created_in_the_same_millisecond_get_different_epochs()
    {
        var log = CreateLog(new ManualTimeProvider(DateTimeOffset.UtcNow));

        var first = await log.OpenAsync(StreamIds.Create("chat", "a"));
        var second = await log.OpenAsync(StreamIds.Create("chat", "b"));

        Assert.True(second.Epoch > first.Epoch);
    }

    [Fact]
    public async Task Opening_an_existing_stream_reports_its_position_unchanged()
    {
        var opened = await Log.OpenAsync(Lobby);
        await Log.AppendAsync(Lobby, Events(opened.Epoch, 1, 3));

        var again = await Log.OpenAsync(Lobby);

        Assert.Equal(new EventLogPosition(opened.Epoch, 1, 3), again);
    }

    [Fact]
    public async Task A_recreated_stream_gets_a_larger_epoch_and_none_of_the_old_events()
    {
        // A clock that stands still: the new epoch cannot come from time having passed.
        var log = CreateLog(new ManualTimeProvider(DateTimeOffset.UtcNow));
        var opened = await log.OpenAsync(Lobby);
        await log.AppendAsync(Lobby, Events(opened.Epoch, 1, 3));
        await RemoveStreamLogsByHandAsync();

        var recreated = await log.OpenAsync(Lobby);

        Assert.True(recreated.Epoch > opened.Epoch);
        Assert.Equal(0, recreated.LastSequence);
        Assert.Empty(await log.ReadAsync(Lobby, 0, 100));
        await log.AppendAsync(Lobby, Events(recreated.Epoch, 1, 1));
        Assert.Equal([recreated.Epoch], (await log.ReadAsync(Lobby, 0, 100)).Select(e => e.Position.Epoch));
        Assert.Equal(1L, await StoredEventCountAsync());
    }

    [Fact]
    public async Task Opening_and_reading_a_stream_store_nothing_until_its_first_append()
    {
        var opened = await Log.OpenAsync(Lobby);
        Assert.Empty(await Log.ReadAsync(Lobby, 0, 100));
        await Log.OpenAsync(Lobby);

        Assert.Equal(0L, await StoredStreamLogCountAsync());

        await Log.AppendAsync(Lobby, Events(opened.Epoch, 1, 2));

        Assert.Equal(1L, await StoredStreamLogCountAsync());
        Assert.Equal(new EventLogPosition(opened.Epoch, 1, 2), await Log.OpenAsync(Lobby));
    }

    [Fact]
    public async Task A_stream_without_a_log_is_an_empty_stream_at_position_zero_with_a_new_epoch_each_time()
    {
        var first = await Log.OpenAsync(Lobby);
        var second = await Log.OpenAsync(Lobby);

        Assert.Equal((1L, 0L), (first.FirstSequence, first.LastSequence));
        Assert.Equal((1L, 0L), (second.FirstSequence, second.LastSequence));
        Assert.True(second.Epoch > first.Epoch);
        // The first append decides: the other epoch is refused from then on.
        await Log.AppendAsync(Lobby, Events(second.Epoch, 1, 1));
        await Assert.ThrowsAsync<EventLogConflictException>(() => Log.AppendAsync(Lobby, Events(first.Epoch, 2, 1)));
        Assert.Equal(new EventLogPosition(second.Epoch, 1, 1), await Log.OpenAsync(Lobby));
    }

    [Fact]
    public async Task Appended_events_read_back_with_their_position_name_timestamp_and_payload()
    {
        var position = await Log.OpenAsync(Lobby);
        var timestamp = new DateTimeOffset(2025, 6, 7, 8, 9, 10, TimeSpan.FromHours(2)).AddTicks(1234567);
        var payload = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var framed = new byte[payload.Length + 8];
        payload.CopyTo(framed, 4);
        StreamEvent[] written =
        [
            new(Lobby, new EventPosition(position.Epoch, 1), "message", timestamp, payload),
            new(Lobby, new EventPosition(position.Epoch, 2), "joined", timestamp.AddSeconds(1), framed.AsMemory(4, payload.Length)),
            new(Lobby, new EventPosition(position.Epoch, 3), "empty", timestamp.AddSeconds(2), ReadOnlyMemory<byte>.Empty),
        ];

        await Log.AppendAsync(Lobby, written);
        var read = await Log.ReadAsync(Lobby, 0, 10);

        Assert.Equal(written.Length, read.Count);
        for (var i = 0; i < written.Length; i++)
        {
            Assert.Equal(Lobby, read[i].StreamId);
            Assert.Equal(written[i].Position, read[i].Position);
            Assert.Equal(written[i].EventName, read[i].EventName);
            Assert.Equal(written[i].Timestamp, read[i].Timestamp);
            Assert.Equal(written[i].Timestamp.UtcTicks, read[i].Timestamp.UtcTicks);
            Assert.Equal(written[i].Payload.ToArray(), read[i].Payload.ToArray());
        }
        Assert.Equal(new EventLogPosition(position.Epoch, 1, 3), await Log.OpenAsync(Lobby));
    }

    [Fact]
    public async Task Reads_return_the_events_after_the_given_sequence_oldest_first()
    {
        var position = await Log.OpenAsync(Lobby);
        await Log.AppendAsync(Lobby, Events(position.Epoch, 1, 4));
        await Log.AppendAsync(Lobby, Events(position.Epoch, 5, 6));

        var read = await Log.ReadAsync(Lobby, 3, 100);

        Assert.Equal([4L, 5, 6, 7, 8, 9, 10], read.Select(e => e.Position.Sequence));
        Assert.Empty(await Log.ReadAsync(Lobby, 10, 100));
    }

    [Fact]
    public async Task Reads_return_at_most_max_count_events()
    {
        var position = await Log.OpenAsync(Lobby);
        await Log.AppendAsync(Lobby, Events(position.Epoch, 1, 10));

        Assert.Equal([3L, 4, 5], (await Log.ReadAsync(Lobby, 2, 3)).Select(e => e.Position.Sequence));
        Assert.Empty(await Log.ReadAsync(Lobby, 0, 0));
    }

    [Fact]
    public async Task Reading_a_stream_without_a_log_returns_nothing()
    {
        Assert.Empty(await Log.ReadAsync(StreamIds.Create("chat", "nobody"), 0, 100));
    }

    [Fact]
    public async Task Streams_keep_separate_logs()
    {
        var a = StreamIds.Create("chat", "a");
        var b = StreamIds.Create("chat", "b");
        var positionA = await Log.OpenAsync(a);
        var positionB = await Log.OpenAsync(b);

        await Log.AppendAsync(a, Events(positionA.Epoch, 1, 2, a));
        await Log.AppendAsync(b, Events(positionB.Epoch, 1, 3, b));

        Assert.All(await Log.ReadAsync(a, 0, 100), e => Assert.Equal(a, e.StreamId));
        Assert.Equal(2, (await Log.ReadAsync(a, 0, 100)).Count);
        Assert.Equal(3, (await Log.ReadAsync(b, 0, 100)).Count);
        Assert.Equal(2, (await Log.OpenAsync(a)).LastSequence);
    }

    [Fact]
    public async Task An_append_that_skips_a_sequence_is_refused_and_appends_nothing()
    {
        var position = await Log.OpenAsync(Lobby);
        await Log.AppendAsync(Lobby, Events(position.Epoch, 1, 2));

        var error = await Assert.ThrowsAsync<EventLogConflictException>(() => Log.AppendAsync(Lobby, Events(position.Epoch, 4, 1)));

        Assert.Contains("chat/lobby", error.Message);
        Assert.Contains("next must be 3", error.Message);
        Assert.Equal(2L, await StoredEventCountAsync());
        Assert.Equal(new EventLogPosition(position.Epoch, 1, 2), await Log.OpenAsync(Lobby));
    }

    [Fact]
    public async Task An_append_that_repeats_a_sequence_is_refused_and_appends_nothing()
    {
        var position = await Log.OpenAsync(Lobby);
        await Log.AppendAsync(Lobby, Events(position.Epoch, 1, 2));

        var error = await Assert.ThrowsAsync<EventLogConflictException>(() => Log.AppendAsync(Lobby, Events(position.Epoch, 2, 3)));

        Assert.Contains("chat/lobby", error.Message);
        Assert.Contains("next must be 3", error.Message);
        Assert.Equal([1L, 2], (await Log.ReadAsync(Lobby, 0, 100)).Select(e => e.Position.Sequence));
        Assert.Equal(2L, await StoredEventCountAsync());
        Assert.Equal(new EventLogPosition(position.Epoch, 1, 2), await Log.OpenAsync(Lobby));
    }

    [Fact]
    public async Task An_append_with_another_epoch_is_refused()
    {
        var position = await Log.OpenAsync(Lobby);
        await Log.AppendAsync(Lobby, Events(position.Epoch, 1, 1));

        var error = await Assert.ThrowsAsync<EventLogConflictException>(() => Log.AppendAsync(Lobby, Events(position.Epoch - 1, 2, 1)));

        Assert.Contains("epoch", error.Message);
        Assert.Single(await Log.ReadAsync(Lobby, 0, 100));
        Assert.Equal(1L, await StoredEventCountAsync());
    }

    [Fact]
    public async Task An_append_to_a_stream_without_a_log_must_start_at_sequence_one()
    {
        var never = StreamIds.Create("chat", "never");

        var error = await Assert.ThrowsAsync<EventLogConflictException>(() => Log.AppendAsync(never, Events(1, 2, 1, never)));

        Assert.Contains("next must be 1", error.Message);
        Assert.Equal(0L, await StoredEventCountAsync());
        Assert.Equal(0L, await StoredStreamLogCountAsync());
    }

    [Fact]
    public async Task A_batch_with_a_gap_is_refused_and_appends_nothing()
    {
        var position = await Log.OpenAsync(Lobby);
        StreamEvent[] batch = [.. Events(position.Epoch, 1, 2), .. Events(position.Epoch, 4, 1)];

        await Assert.ThrowsAsync<EventLogConflictException>(() => Log.AppendAsync(Lobby, batch));

        Assert.Empty(await Log.ReadAsync(Lobby, 0, 100));
        Assert.Equal(0L, await StoredEventCountAsync());
        Assert.Equal(0, (await Log.OpenAsync(Lobby)).LastSequence);
    }

    [Fact]
    public async Task An_append_of_events_of_another_stream_is_an_argument_error()
    {
        var position = await Log.OpenAsync(Lobby);

        await Assert.ThrowsAsync<ArgumentException>(() => Log.AppendAsync(Lobby, Events(position.Epoch, 1, 1, StreamIds.Create("chat", "elsewhere"))));
    }

    [Fact]
    public async Task A_batch_of_a_thousand_events_is_appended_whole_and_an_append_never_trims()
    {
        var position = await Log.OpenAsync(Lobby);

        await Log.AppendAsync(Lobby, Events(position.Epoch, 1, 1000));

        Assert.Equal(new EventLogPosition(position.Epoch, 1, 1000), await Log.OpenAsync(Lobby));
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), (await Log.ReadAsync(Lobby, 0, 2000)).Select(e => e.Position.Sequence));
    }

    [Fact]
    public async Task Trimming_by_count_keeps_the_newest_events_and_moves_the_first_sequence()
    {
        var position = await Log.OpenAsync(Lobby);
        await Log.AppendAsync(Lobby, Events(position.Epoch, 1, 150));

        var deleted = await Log.TrimAsync(Lobby, KeepHundred, DateTimeOffset.UtcNow, batchSize: 1000);

        Assert.Equal(50L, deleted);
        Assert.Equal(new EventLogPosition(position.Epoch, 51, 150), await Log.OpenAsync(Lobby));
        Assert.Equal(Enumerable.Range(51, Retention).Select(i => (long)i), (await Log.ReadAsync(Lobby, 0, 1000)).Select(e => e.Position.Sequence));
        Assert.Equal(Retention, await StoredEventCountAsync());
        Assert.Equal(0L, await Log.TrimAsync(Lobby, KeepHundred, DateTimeOffset.UtcNow, batchSize: 1000));
        await Log.AppendAsync(Lobby, Events(position.Epoch, 151, 1));
    }

    [Fact]
    public async Task Trimming_deletes_in_batches_of_the_given_size_until_the_cut()
    {
        var position = await Log.OpenAsync(Lobby);
        await Log.AppendAsync(Lobby, Events(position.Epoch, 1, 337));

        var deleted = await Log.TrimAsync(Lobby, KeepHundred, DateTimeOffset.UtcNow, batchSize: 7);

        Assert.Equal(237L, deleted);
        Assert.Equal(new EventLogPosition(position.Epoch, 238, 337), await Log.OpenAsync(Lobby));
    }

    [Fact]
    public async Task Trimming_by_age_deletes_the_events_older_than_the_limit()
    {
        var now = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var position = await Log.OpenAsync(Lobby);
        await Log.AppendAsync(Lobby, Events(position.Epoch, 1, 5, at: now.AddDays(-10)));
        await Log.AppendAsync(Lobby, Events(position.Epoch, 6, 3, at: now.AddDays(-1)));

        var deleted = await Log.TrimAsync(Lobby, new EventRetention(1000, [], 1000, TimeSpan.FromDays(7)), now, batchSize: 1000);

        Assert.Equal(5L, deleted);
        Assert.Equal(new EventLogPosition(position.Epoch, 6, 8), await Log.OpenAsync(Lobby));
    }

    [Fact]
    public async Task A_stream_trimmed_of_every_event_keeps_its_epoch_and_last_sequence_and_continues()
    {
        var now = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var position = await Log.OpenAsync(Lobby);
        await Log.AppendAsync(Lobby, Events(position.Epoch, 1, 111, at: now.AddDays(-10)));

        await Log.TrimAsync(Lobby, new EventRetention(1000, [], 1000, TimeSpan.FromDays(1)), now, batchSize: 1000);

        Assert.Equal(0L, await StoredEventCountAsync());
        Assert.Equal(new EventLogPosition(position.Epoch, 112, 111), await Log.OpenAsync(Lobby));
        Assert.Empty(await Log.ReadAsync(Lobby, 0, 100));
        await Assert.ThrowsAsync<EventLogConflictException>(() => Log.AppendAsync(Lobby, Events(position.Epoch, 1, 1)));
        await Log.AppendAsync(Lobby, Events(position.Epoch, 112, 1));
        Assert.Equal(new EventLogPosition(position.Epoch, 112, 112), await Log.OpenAsync(Lobby));
    }

    [Fact]
    public async Task Read_receipts_do_not_evict_chat_messages()
    {
        // A chat room's retention: 100 messages; read receipts and presence do not count (up to 1,000 events in all).
        var chat = new EventRetention(Retention, ["message"], 10 * Retention, TimeSpan.Zero);
        var position = await Log.OpenAsync(Lobby);
        await Log.AppendAsync(Lobby, Events(position.Epoch, 1, 50, name: "message"));
        await Log.AppendAsync(Lobby, Events(position.Epoch, 51, 500, name: "read"));
        await Log.AppendAsync(Lobby, Events(position.Epoch, 551, 50, name: "message"));
        await Log.AppendAsync(Lobby, Events(position.Epoch, 601, 200, name: "presence"));

        Assert.Equal(0L, await Log.TrimAsync(Lobby, chat, DateTimeOffset.UtcNow, batchSize: 1000));
        Assert.Equal(100, (await Log.ReadAsync(Lobby, 0, 10_000)).Count(e => e.EventName == "message"));

        // One message more: only the oldest message goes (and nothing older than it, as there is none).
        await Log.AppendAsync(Lobby, Events(position.Epoch, 801, 1, name: "message"));
        Assert.Equal(1L, await Log.TrimAsync(Lobby, chat, DateTimeOffset.UtcNow, batchSize: 1000));
        var kept = await Log.ReadAsync(Lobby, 0, 10_000);
        Assert.Equal(100, kept.Count(e => e.EventName == "message"));
        Assert.Equal(2L, kept[0].Position.Sequence);
    }

    [Fact]
    public async Task Uncounted_events_beyond_the_total_ceiling_are_trimmed_oldest_first()
    {
        var chat = new EventRetention(Retention, ["message"], 2 * Retention, TimeSpan.Zero);
        var position = await Log.OpenAsync(Lobby);
        await Log.AppendAsync(Lobby, Events(position.Epoch, 1, 10, name: "message"));
        await Log.AppendAsync(Lobby, Events(position.Epoch, 11, 250, name: "read"));

        await Log.TrimAsync(Lobby, chat, DateTimeOffset.UtcNow, batchSize: 1000);

        Assert.Equal(new EventLogPosition(position.Epoch, 61, 260), await Log.OpenAsync(Lobby));
    }

    [Fact]
    public async Task Trimming_before_a_sequence_deletes_exactly_the_events_below_it_in_batches()
    {
        var position = await Log.OpenAsync(Lobby);
        await Log.AppendAsync(Lobby, Events(position.Epoch, 1, 40));

        Assert.Equal(24L, await Log.TrimBeforeAsync(Lobby, 25, batchSize: 5));

        Assert.Equal(new EventLogPosition(position.Epoch, 25, 40), await Log.OpenAsync(Lobby));
        Assert.Equal(Enumerable.Range(25, 16).Select(i => (long)i), (await Log.ReadAsync(Lobby, 0, 100)).Select(e => e.Position.Sequence));
        Assert.Equal(16L, await StoredEventCountAsync());
        Assert.Equal(0L, await Log.TrimBeforeAsync(Lobby, 10, batchSize: 5));
    }

    [Fact]
    public async Task Trimming_before_a_sequence_past_the_end_empties_the_log_and_appends_continue()
    {
        var position = await Log.OpenAsync(Lobby);
        await Log.AppendAsync(Lobby, Events(position.Epoch, 1, 12));

        Assert.Equal(12L, await Log.TrimBeforeAsync(Lobby, 1_000, batchSize: 100));

        Assert.Equal(new EventLogPosition(position.Epoch, 13, 12), await Log.OpenAsync(Lobby));
        Assert.Equal(0L, await StoredEventCountAsync());
        await Log.AppendAsync(Lobby, Events(position.Epoch, 13, 1));
        Assert.Equal(13L, Assert.Single(await Log.ReadAsync(Lobby, 0, 100)).Position.Sequence);
        Assert.Equal(0L, await Log.TrimBeforeAsync(StreamIds.Create("chat", "nobody"), 5, batchSize: 10));
    }

    [Fact]
    public async Task Trimming_a_stream_without_a_log_does_nothing()
    {
        Assert.Equal(0L, await Log.TrimAsync(StreamIds.Create("chat", "nobody"), KeepHundred, DateTimeOffset.UtcNow, batchSize: 10));
        Assert.Equal(0L, await StoredStreamLogCountAsync());
    }

    [Fact]
    public async Task Deleting_a_stream_removes_its_events_and_its_log_and_nothing_of_other_streams()
    {
        var task = StreamIds.Create("task", "t-1");
        await Log.AppendAsync(task, Events((await Log.OpenAsync(task)).Epoch, 1, 50, task));
        await Log.AppendAsync(Lobby, Events((await Log.OpenAsync(Lobby)).Epoch, 1, 3));

        Assert.True(await Log.DeleteAsync(task));

        Assert.Equal(3L, await StoredEventCountAsync());
        Assert.Equal(1L, await StoredStreamLogCountAsync());
        Assert.Empty(await Log.ReadAsync(task, 0, 100));
        Assert.Equal(new[] { Lobby }, await Log.ListStreamsAsync(null, 10));
        Assert.Equal(3, (await Log.ReadAsync(Lobby, 0, 100)).Count);
    }

    [Fact]
    public async Task A_deleted_stream_comes_back_only_as_a_new_incarnation()
    {
        // A clock that stands still: the larger epoch cannot come from time having passed.
        var log = CreateLog(new ManualTimeProvider(DateTimeOffset.UtcNow));
        var opened = await log.OpenAsync(Lobby);
        await log.AppendAsync(Lobby, Events(opened.Epoch, 1, 3));

        await log.DeleteAsync(Lobby);

        // The deleted log's writer cannot continue it.
        await Assert.ThrowsAsync<EventLogConflictException>(() => log.AppendAsync(Lobby, Events(opened.Epoch, 4, 1)));
        var reopened = await log.OpenAsync(Lobby);
        Assert.True(reopened.Epoch > opened.Epoch);
        Assert.Equal((1L, 0L), (reopened.FirstSequence, reopened.LastSequence));
        await log.AppendAsync(Lobby, Events(reopened.Epoch, 1, 1));
        Assert.Equal([(reopened.Epoch, 1L)], (await log.ReadAsync(Lobby, 0, 100)).Select(e => (e.Position.Epoch, e.Position.Sequence)));
    }

    [Fact]
    public async Task Deleting_a_stream_without_a_log_does_nothing()
    {
        await Log.OpenAsync(Lobby);

        Assert.False(await Log.DeleteAsync(Lobby));
        Assert.Equal(0L, await StoredStreamLogCountAsync());
        Assert.Equal(0L, await StoredEventCountAsync());
    }

    [Fact]
    public async Task Listing_streams_pages_through_every_stream_with_a_log_once()
    {
        var streams = Enumerable.Range(0, 7).Select(i => StreamIds.Create(i % 2 == 0 ? "chat" : "stock", $"s{i}")).ToArray();
        foreach (var stream in streams) await Log.AppendAsync(stream, Events((await Log.OpenAsync(stream)).Epoch, 1, 1, stream));
        await Log.OpenAsync(StreamIds.Create("chat", "opened-only"));

        var listed = new List<StreamId>();
        StreamId? after = null;
        while (true)
        {
            var page = await Log.ListStreamsAsync(after, 3);
            listed.AddRange(page);
            if (page.Count < 3) break;
            after = page[^1];
        }

        Assert.Equal(streams.OrderBy(s => s.ToString(), StringComparer.Ordinal), listed.OrderBy(s => s.ToString(), StringComparer.Ordinal));
        Assert.Equal(listed.Count, listed.Distinct().Count());
    }

    [Fact]
    public async Task Concurrent_appends_to_many_streams_all_succeed()
    {
        var streams = Enumerable.Range(0, 16).Select(i => StreamIds.Create("chat", $"room{i}")).ToArray();

        await Task.WhenAll(streams.Select(stream => Task.Run(async () =>
        {
            var position = await Log.OpenAsync(stream);
            for (var sequence = 1; sequence <= 50; sequence += 5) await Log.AppendAsync(stream, Events(position.Epoch, sequence, 5, stream));
        })));

        foreach (var stream in streams) Assert.Equal(50, (await Log.OpenAsync(stream)).LastSequence);
    }

    [Fact]
    public async Task Non_ascii_long_and_empty_stream_keys_and_namespaces_are_stored_as_given()
    {
        // Namespaces and keys are stored as the UTF-8 Orleans holds them; an empty one is empty text, not NULL.
        StreamId[] streams = [StreamIds.Create("chat", "café-ünïcødé-日本"), StreamIds.Create("chat", new string('k', 400) + "é"), StreamIds.Create("chat", new string('x', 3000)), StreamIds.Create("chat", ""), StreamIds.Create("", "no-namespace")];
        foreach (var stream in streams)
        {
            var position = await Log.OpenAsync(stream);
            await Log.AppendAsync(stream, Events(position.Epoch, 1, 2, stream));
        }

        foreach (var stream in streams)
        {
            Assert.Equal(2, (await Log.OpenAsync(stream)).LastSequence);
            Assert.Equal([1L, 2L], (await Log.ReadAsync(stream, 0, 10)).Select(e => e.Position.Sequence));
        }
        Assert.Empty(await Log.ReadAsync(StreamIds.Create("chat", "cafe-unicode-日本"), 0, 10));
    }
}
