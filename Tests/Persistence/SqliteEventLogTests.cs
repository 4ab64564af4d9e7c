using GrainStream.Persistence.Sqlite;
using GrainStream.Streams;
using Orleans.Runtime;
using Xunit;

namespace GrainStream.Tests.Persistence;

public sealed class SqliteEventLogTests : IDisposable
{
    private static readonly StreamId Lobby = StreamIds.Create("chat", "lobby");

    private readonly TemporaryDatabaseFile _file = new();
    private readonly SqliteDatabase _database;
    private readonly SqliteEventLog _log;

    public SqliteEventLogTests()
    {
        _database = _file.Open(options => options.MaxEventsPerStream = 100);
        _log = new SqliteEventLog(_database, TimeProvider.System);
    }

    public void Dispose()
    {
        _database.Dispose();
        _file.Dispose();
    }

    /// <summary>Runs <paramref name="sql"/> on a connection of its own, as an operator (or a bug) outside the log would.</summary>
    private void ExecuteByHand(string sql)
    {
        using var connection = _database.OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    [Fact]
    public async Task Open_creates_an_empty_log_starting_at_sequence_one()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var position = await _log.OpenAsync(Lobby);

        Assert.True(position.Epoch >= before, $"epoch {position.Epoch} is older than the clock ({before})");
        Assert.Equal(1, position.FirstSequence);
        Assert.Equal(0, position.LastSequence);
    }

    [Fact]
    public async Task New_epoch_is_the_current_unix_time_in_milliseconds()
    {
        // Far ahead of every other test's clock, so no epoch handed out earlier in the process is larger.
        var now = new DateTimeOffset(2900, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
        var log = new SqliteEventLog(_database, new ManualTimeProvider(now));

        var position = await log.OpenAsync(StreamIds.Create("chat", "future"));

        Assert.Equal(now.ToUnixTimeMilliseconds(), position.Epoch);
    }

    [Fact]
    public async Task Streams_created_in_the_same_millisecond_get_different_epochs()
    {
        var log = new SqliteEventLog(_database, new ManualTimeProvider(DateTimeOffset.UtcNow));

        var first = await log.OpenAsync(StreamIds.Create("chat", "a"));
        var second = await log.OpenAsync(StreamIds.Create("chat", "b"));

        Assert.True(second.Epoch > first.Epoch);
    }

    [Fact]
    public async Task Opening_an_existing_stream_reports_its_position_unchanged()
    {
        var opened = await _log.OpenAsync(Lobby);
        await _log.AppendAsync(Lobby, Events(opened.Epoch, 1, 3));

        var again = await _log.OpenAsync(Lobby);

        Assert.Equal(new EventLogPosition(opened.Epoch, 1, 3), again);
    }

    [Fact]
    public async Task Epoch_survives_reopening_the_file()
    {
        var opened = await _log.OpenAsync(Lobby);
        await _log.AppendAsync(Lobby, Events(opened.Epoch, 1, 5));
        _database.Dispose();

        using var reopened = _file.Open(options => options.MaxEventsPerStream = 100);
        var log = new SqliteEventLog(reopened, TimeProvider.System);
        var position = await log.OpenAsync(Lobby);
        var events = await log.ReadAsync(Lobby, 0, 100);

        Assert.Equal(new EventLogPosition(opened.Epoch, 1, 5), position);
        Assert.Equal([1L, 2, 3, 4, 5], events.Select(e => e.Position.Sequence));
        Assert.All(events, e => Assert.Equal(opened.Epoch, e.Position.Epoch));
    }

    [Fact]
    public async Task A_recreated_stream_gets_a_larger_epoch_and_none_of_the_old_events()
    {
        var opened = await _log.OpenAsync(Lobby);
        await _log.AppendAsync(Lobby, Events(opened.Epoch, 1, 3));
        ExecuteByHand("DELETE FROM stream_log");

        var recreated = await _log.OpenAsync(Lobby);

        Assert.True(recreated.Epoch > opened.Epoch);
        Assert.Equal(0, recreated.LastSequence);
        Assert.Empty(await _log.ReadAsync(Lobby, 0, 100));
    }

    [Fact]
    public async Task Appended_events_read_back_with_their_position_name_timestamp_and_payload()
    {
        var position = await _log.OpenAsync(Lobby);
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

        await _log.AppendAsync(Lobby, written);
        var read = await _log.ReadAsync(Lobby, 0, 10);

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
    }

    [Fact]
    public async Task Reads_return_events_after_the_given_sequence_in_order()
    {
        var position = await _log.OpenAsync(Lobby);
        await _log.AppendAsync(Lobby, Events(position.Epoch, 1, 4));
        await _log.AppendAsync(Lobby, Events(position.Epoch, 5, 6));

        var read = await _log.ReadAsync(Lobby, 3, 100);

        Assert.Equal([4L, 5, 6, 7, 8, 9, 10], read.Select(e => e.Position.Sequence));
        Assert.Empty(await _log.ReadAsync(Lobby, 10, 100));
    }

    [Fact]
    public async Task Reads_return_at_most_max_count_events()
    {
        var position = await _log.OpenAsync(Lobby);
        await _log.AppendAsync(Lobby, Events(position.Epoch, 1, 10));

        Assert.Equal([3L, 4, 5], (await _log.ReadAsync(Lobby, 2, 3)).Select(e => e.Position.Sequence));
        Assert.Empty(await _log.ReadAsync(Lobby, 0, 0));
    }

    [Fact]
    public async Task Read_of_a_stream_without_a_log_returns_nothing()
    {
        Assert.Empty(await _log.ReadAsync(StreamIds.Create("chat", "nobody"), 0, 100));
    }

    [Fact]
    public async Task Streams_keep_separate_logs()
    {
        var a = StreamIds.Create("chat", "a");
        var b = StreamIds.Create("chat", "b");
        var positionA = await _log.OpenAsync(a);
        var positionB = await _log.OpenAsync(b);

        await _log.AppendAsync(a, Events(positionA.Epoch, 1, 2, a));
        await _log.AppendAsync(b, Events(positionB.Epoch, 1, 3, b));

        Assert.All(await _log.ReadAsync(a, 0, 100), e => Assert.Equal(a, e.StreamId));
        Assert.Equal(2, (await _log.ReadAsync(a, 0, 100)).Count);
        Assert.Equal(3, (await _log.ReadAsync(b, 0, 100)).Count);
        Assert.Equal(2, (await _log.OpenAsync(a)).LastSequence);
    }

    [Fact]
    public async Task Append_that_skips_a_sequence_is_rejected()
    {
        var position = await _log.OpenAsync(Lobby);
        await _log.AppendAsync(Lobby, Events(position.Epoch, 1, 2));

        var error = await Assert.ThrowsAsync<EventLogConflictException>(() => _log.AppendAsync(Lobby, Events(position.Epoch, 4, 1)));

        Assert.Contains("chat/lobby", error.Message);
        Assert.Contains("next must be 3", error.Message);
        Assert.Equal(2, (await _log.OpenAsync(Lobby)).LastSequence);
    }

    [Fact]
    public async Task Append_that_repeats_a_sequence_is_rejected()
    {
        var position = await _log.OpenAsync(Lobby);
        await _log.AppendAsync(Lobby, Events(position.Epoch, 1, 2));

        await Assert.ThrowsAsync<EventLogConflictException>(() => _log.AppendAsync(Lobby, Events(position.Epoch, 2, 2)));

        Assert.Equal([1L, 2], (await _log.ReadAsync(Lobby, 0, 100)).Select(e => e.Position.Sequence));
    }

    [Fact]
    public async Task Append_with_another_epoch_is_rejected()
    {
        var position = await _log.OpenAsync(Lobby);

        var error = await Assert.ThrowsAsync<EventLogConflictException>(() => _log.AppendAsync(Lobby, Events(position.Epoch - 1, 1, 1)));

        Assert.Contains("epoch", error.Message);
        Assert.Empty(await _log.ReadAsync(Lobby, 0, 100));
    }

    [Fact]
    public async Task Append_of_a_batch_with_a_gap_is_rejected_and_appends_nothing()
    {
        var position = await _log.OpenAsync(Lobby);
        StreamEvent[] batch = [.. Events(position.Epoch, 1, 2), .. Events(position.Epoch, 4, 1)];

        await Assert.ThrowsAsync<EventLogConflictException>(() => _log.AppendAsync(Lobby, batch));

        Assert.Empty(await _log.ReadAsync(Lobby, 0, 100));
        Assert.Equal(0, (await _log.OpenAsync(Lobby)).LastSequence);
    }

    [Fact]
    public async Task An_append_that_fails_halfway_leaves_nothing_behind_and_the_log_usable()
    {
        var position = await _log.OpenAsync(Lobby);
        // A trigger refusing the batch's second event makes the insert fail after the first succeeded.
        ExecuteByHand("CREATE TRIGGER refuse_second BEFORE INSERT ON stream_event WHEN NEW.stream_key = 'lobby' AND NEW.seq = 2 BEGIN SELECT RAISE(ABORT, 'refused'); END");

        await Assert.ThrowsAsync<Microsoft.Data.Sqlite.SqliteException>(() => _log.AppendAsync(Lobby, Events(position.Epoch, 1, 3)));

        Assert.Equal(new EventLogPosition(position.Epoch, 1, 0), await _log.OpenAsync(Lobby));
        Assert.Empty(await _log.ReadAsync(Lobby, 0, 100));
        var other = StreamIds.Create("chat", "other");
        var otherPosition = await _log.OpenAsync(other);
        await _log.AppendAsync(other, Events(otherPosition.Epoch, 1, 2, other));
        Assert.Equal(2, (await _log.ReadAsync(other, 0, 100)).Count);
    }

    [Fact]
    public async Task Append_to_a_stream_that_was_never_opened_is_rejected()
    {
        await Assert.ThrowsAsync<EventLogConflictException>(() => _log.AppendAsync(Lobby, Events(1, 1, 1)));
    }

    [Fact]
    public async Task Append_of_events_of_another_stream_is_an_argument_error()
    {
        var position = await _log.OpenAsync(Lobby);

        await Assert.ThrowsAsync<ArgumentException>(() => _log.AppendAsync(Lobby, Events(position.Epoch, 1, 1, StreamIds.Create("chat", "elsewhere"))));
    }

    [Fact]
    public async Task A_batch_of_a_thousand_events_is_appended_whole()
    {
        using var database = _file.Open(options => options.MaxEventsPerStream = 10_000);
        var log = new SqliteEventLog(database, TimeProvider.System);
        var position = await log.OpenAsync(Lobby);

        await log.AppendAsync(Lobby, Events(position.Epoch, 1, 1000));

        Assert.Equal(new EventLogPosition(position.Epoch, 1, 1000), await log.OpenAsync(Lobby));
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), (await log.ReadAsync(Lobby, 0, 2000)).Select(e => e.Position.Sequence));
    }

    [Fact]
    public async Task Retention_trims_oldest_events_and_advances_first_sequence()
    {
        // Retention 100: trimming waits until the log holds more than 110, then cuts back to 100.
        var position = await _log.OpenAsync(Lobby);
        for (var sequence = 1; sequence <= 110; sequence += 10) await _log.AppendAsync(Lobby, Events(position.Epoch, sequence, 10));

        Assert.Equal(new EventLogPosition(position.Epoch, 1, 110), await _log.OpenAsync(Lobby));

        await _log.AppendAsync(Lobby, Events(position.Epoch, 111, 1));

        Assert.Equal(new EventLogPosition(position.Epoch, 12, 111), await _log.OpenAsync(Lobby));
        var retained = await _log.ReadAsync(Lobby, 0, 1000);
        Assert.Equal(Enumerable.Range(12, 100).Select(i => (long)i), retained.Select(e => e.Position.Sequence));
    }

    [Fact]
    public async Task A_trimmed_stream_whose_events_are_removed_by_hand_keeps_its_last_sequence()
    {
        var position = await _log.OpenAsync(Lobby);
        await _log.AppendAsync(Lobby, Events(position.Epoch, 1, 111));
        ExecuteByHand("DELETE FROM stream_event");

        Assert.Equal(new EventLogPosition(position.Epoch, 12, 111), await _log.OpenAsync(Lobby));
        await Assert.ThrowsAsync<EventLogConflictException>(() => _log.AppendAsync(Lobby, Events(position.Epoch, 1, 1)));
        await _log.AppendAsync(Lobby, Events(position.Epoch, 112, 1));
    }

    [Fact]
    public async Task A_batch_larger_than_the_retention_keeps_only_its_newest_events()
    {
        var position = await _log.OpenAsync(Lobby);
        await _log.AppendAsync(Lobby, Events(position.Epoch, 1, 5));

        await _log.AppendAsync(Lobby, Events(position.Epoch, 6, 300));

        Assert.Equal(new EventLogPosition(position.Epoch, 206, 305), await _log.OpenAsync(Lobby));
        Assert.Equal(Enumerable.Range(206, 100).Select(i => (long)i), (await _log.ReadAsync(Lobby, 0, 1000)).Select(e => e.Position.Sequence));
        await _log.AppendAsync(Lobby, Events(position.Epoch, 306, 1));
    }

    [Fact]
    public async Task Concurrent_appends_to_many_streams_all_succeed()
    {
        var streams = Enumerable.Range(0, 16).Select(i => StreamIds.Create("chat", $"room{i}")).ToArray();

        await Task.WhenAll(streams.Select(stream => Task.Run(async () =>
        {
            var position = await _log.OpenAsync(stream);
            for (var sequence = 1; sequence <= 50; sequence += 5) await _log.AppendAsync(stream, Events(position.Epoch, sequence, 5, stream));
        })));

        foreach (var stream in streams) Assert.Equal(50, (await _log.OpenAsync(stream)).LastSequence);
    }

    [Fact]
    public async Task Non_ascii_long_and_empty_stream_keys_and_namespaces_are_stored_as_given()
    {
        // Namespaces and keys are bound as the UTF-8 Orleans holds them; an empty one is empty text, not NULL.
        StreamId[] streams = [StreamIds.Create("chat", "café-ünïcødé-日本"), StreamIds.Create("chat", new string('k', 400) + "é"), StreamIds.Create("chat", new string('x', 3000)), StreamIds.Create("chat", ""), StreamIds.Create("", "no-namespace")];
        foreach (var stream in streams)
        {
            var position = await _log.OpenAsync(stream);
            await _log.AppendAsync(stream, Events(position.Epoch, 1, 2, stream));
        }

        foreach (var stream in streams)
        {
            Assert.Equal(2, (await _log.OpenAsync(stream)).LastSequence);
            Assert.Equal([1L, 2L], (await _log.ReadAsync(stream, 0, 10)).Select(e => e.Position.Sequence));
        }
        Assert.Empty(await _log.ReadAsync(StreamIds.Create("chat", "cafe-unicode-日本"), 0, 10));
    }

    /// <summary>Events <paramref name="firstSequence"/>, +1, … of <paramref name="stream"/> (default the lobby).</summary>
    internal static StreamEvent[] Events(long epoch, long firstSequence, int count, StreamId? stream = null)
        => Enumerable.Range(0, count)
            .Select(i => new StreamEvent(
                stream ?? Lobby,
                new EventPosition(epoch, firstSequence + i),
                "message",
                DateTimeOffset.UtcNow,
                System.Text.Encoding.UTF8.GetBytes($$"""{"n":{{firstSequence + i}}}""")))
            .ToArray();
}
