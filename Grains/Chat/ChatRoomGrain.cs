using System.Text.Json;
using GrainStream.Grains.Leases;
using GrainStream.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainStream.Grains.Chat;

/// <summary>A chat room and the single writer of its stream (<see cref="ChatStreams.Room"/>):
/// <c>message</c>, <c>presence</c> and <c>read</c> events. A message's id is the stream sequence
/// of its <c>message</c> event, so the messages live in the stream's history; the stored state
/// keeps counters and read receipts. On activation the room rebuilds its recent-message cache and
/// its client-id window from the history, and counts messages that were published but not yet
/// recorded in its state: the state is written every <see cref="ChatOptions.MessagesPerStateWrite"/>
/// posts rather than on each (a post costs one commit, its event's), and the history holds the rest.</summary>
public class ChatRoomGrain(
    [FromKeyedServices(PlatformClock.Key)] TimeProvider time,
    IOptions<ChatOptions> options,
    ILogger<ChatRoomGrain> logger,
    [PersistentState("state")] IPersistentState<ChatRoomState> state,
    [PersistentState("presence")] IPersistentState<NodeLeaseState> presence) : Grain, IChatRoomGrain
{
    internal const string MessageEvent = "message";
    internal const string PresenceEvent = "presence";
    internal const string ReadEvent = "read";

    private static readonly TimeSpan MinimumSweepDelay = TimeSpan.FromMilliseconds(1);

    // A stale view is corrected by one re-read; more conflicts in a row mean a competing writer.
    private const int MaxPublishAttempts = 3;

    private readonly ChatOptions _options = options.Value;
    private readonly NodeLeaseTable _presence = new();
    private readonly SortedSet<string> _announcedOnline = new(StringComparer.Ordinal);
    private ChatMessageCache _cache = null!;
    private ClientIdWindow _clientIds = null!;
    private IEventStream _stream = null!;
    private string _room = "";
    private long _nextSequence;
    private long _appliedSequence;
    private int _uncheckpointedMessages;
    private bool _inSync;
    private IGrainTimer? _presenceTimer;

    /// <inheritdoc/>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _room = this.GetPrimaryKeyString();
        _stream = this.GetStreamProvider(GrainStreamEventsExtensions.DefaultProviderName).GetEventStream(ChatStreams.Room(_room));
        _cache = new ChatMessageCache(Math.Max(1, _options.MessageCacheSize));
        _clientIds = new ClientIdWindow(Math.Max(1, _options.IdempotencyWindow));
        await CatchUpAsync();
        // Back after a silo's death (or a deactivation): the leases still running hold, and what they
        // list was announced by the previous activation.
        var now = time.GetUtcNow();
        _presence.Load(presence.State, now);
        _announcedOnline.UnionWith(_presence.Present(now));
        if (!_presence.IsEmpty) SchedulePresenceSweep();
    }

    /// <inheritdoc/>
    public async Task<PostMessageResult> Post(PostMessageCommand command)
    {
        if (command is null) throw new ArgumentException("A message (author, text) is required.", nameof(command));
        var author = ChatInput.Author(command.Author);
        var text = ChatInput.Text(command.Text);
        var clientId = ChatInput.ClientId(command.ClientId);
        await EnsureInSyncAsync();

        if (clientId is not null && _clientIds.TryGet(clientId, out var firstId))
        {
            if (await FindMessageAsync(firstId) is { } first) return new PostMessageResult(first, Created: false);
            // Its message has left the retained history: the window cannot vouch for it any more.
            _clientIds.Remove(clientId);
        }

        var sentAt = time.GetUtcNow();
        ChatMessage message = null!;
        await PublishAsync(MessageEvent, id =>
        {
            message = new ChatMessage(id, _room, author, text, sentAt, clientId);
            return JsonSerializer.SerializeToUtf8Bytes(message, GrainsJsonContext.Default.ChatMessage);
        });
        Remember(message);
        state.State.MessageCount++;
        state.State.LastId = message.Id;
        if (++_uncheckpointedMessages >= Math.Max(1, _options.MessagesPerStateWrite)) await CheckpointAfterPostAsync();
        return new PostMessageResult(message, Created: true);
    }

    // The message is committed with its event by now, so a checkpoint that fails (a full disk) is not
    // the post's failure: answering one would make a client without a clientId post it twice. The
    // failure is logged and the activation reloads, recounting from the history (WriteStateAsync).
    private async Task CheckpointAfterPostAsync()
    {
        try
        {
            await WriteStateAsync();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
        }
    }

    /// <inheritdoc/>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_uncheckpointedMessages > 0 && _inSync) await WriteStateAsync();
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<ChatMessage>> GetMessages(long? after, int limit)
    {
        ChatInput.Page(after, limit);
        if (after is not { } from)
        {
            return _cache.Count >= limit || _cache.Floor == 0 ? _cache.Latest(limit) : await ReadMessagesAsync(0, limit, newest: true);
        }
        return _cache.Covers(from) ? _cache.After(from, limit) : await ReadMessagesAsync(from, limit, newest: false);
    }

    /// <inheritdoc/>
    public Task<ChatRoomSummary> GetSummary()
    {
        var online = _presence.Present(time.GetUtcNow());
        return Task.FromResult(new ChatRoomSummary(_room, state.State.MessageCount, state.State.LastId, [.. online],
            new Dictionary<string, long>(state.State.ReadReceipts, StringComparer.Ordinal)));
    }

    /// <inheritdoc/>
    public async Task MarkRead(string user, long upTo)
    {
        EntityKey.Require(user, nameof(user));
        await EnsureInSyncAsync();
        var last = state.State.LastId ?? 0;
        if (upTo < 0 || upTo > last) throw new ArgumentException($"upTo must be a message id between 0 and the room's last id ({last}).", nameof(upTo));

        var receipts = state.State.ReadReceipts;
        var known = receipts.TryGetValue(user, out var previous);
        // Nothing to have read in a room without messages: no receipt to keep and nothing to
        // announce, so such a room keeps no row and no event.
        if (last == 0 && !known) return;
        var upToNow = known ? Math.Max(previous, upTo) : upTo;
        if (!known || upToNow != previous)
        {
            // Moved to the end: the most recent; the least recent goes once there are too many.
            receipts.Remove(user);
            receipts.Add(user, upToNow);
            while (receipts.Count > Math.Max(1, _options.MaxReadReceipts)) receipts.RemoveAt(0);
            await WriteStateAsync();
        }
        var receipt = new ReadReceipt(user, upToNow, time.GetUtcNow());
        await PublishAsync(ReadEvent, _ => JsonSerializer.SerializeToUtf8Bytes(receipt, GrainsJsonContext.Default.ReadReceipt));
    }

    /// <inheritdoc/>
    public async Task ReportPresence(string nodeId, IReadOnlyList<string> users, TimeSpan lease)
    {
        NodeLeaseTable.Validate(nodeId, users, lease, _options.MaxPresenceLease, nameof(users));
        var now = time.GetUtcNow();
        _presence.Report(nodeId, users, now + lease);
        try
        {
            // Every report is stored (nodes report a few times per lease): a re-activation then
            // keeps each lease until at least about two thirds of it.
            await StorePresenceAsync();
            await EnsureInSyncAsync();
            await AnnouncePresenceAsync();
        }
        finally
        {
            SchedulePresenceSweep();
        }
    }

    /// <summary>Publishes a <c>presence</c> event for each user whose online state differs from what
    /// the stream last said, one change at a time so that each event's list is exact.</summary>
    private async Task AnnouncePresenceAsync()
    {
        var now = time.GetUtcNow();
        _presence.Expire(now);
        var online = _presence.Present(now);
        foreach (var user in _announcedOnline.Where(u => !online.Contains(u)).ToList())
        {
            var after = _announcedOnline.Where(u => u != user).ToArray();
            await PublishPresenceAsync(new PresenceChanged(user, Online: false, after));
            _announcedOnline.Remove(user);
        }
        foreach (var user in online.Where(u => !_announcedOnline.Contains(u)).ToList())
        {
            var after = new SortedSet<string>(_announcedOnline, StringComparer.Ordinal) { user };
            await PublishPresenceAsync(new PresenceChanged(user, Online: true, [.. after]));
            _announcedOnline.Add(user);
        }
    }

    /// <summary>Stores the presence leases; a room nobody is in keeps no presence record.</summary>
    private async Task StorePresenceAsync()
    {
        presence.State = _presence.ToState();
        await presence.WriteOrClearAsync(_presence.IsEmpty, DeactivateOnIdle, logger, $"presence of room {_room}");
    }

    private Task PublishPresenceAsync(PresenceChanged change)
        => PublishAsync(PresenceEvent, _ => JsonSerializer.SerializeToUtf8Bytes(change, GrainsJsonContext.Default.PresenceChanged));

    /// <summary>Arms the presence timer for the earliest lease expiry (at most a sweep interval
    /// away), or stops it when no lease is held and nothing remains to announce.</summary>
    private void SchedulePresenceSweep()
    {
        var next = _presence.NextExpiry;
        if (next is null && _announcedOnline.Count == 0)
        {
            _presenceTimer?.Dispose();
            _presenceTimer = null;
            return;
        }
        var interval = _options.PresenceSweepInterval > TimeSpan.Zero ? _options.PresenceSweepInterval : TimeSpan.FromSeconds(1);
        var due = next is { } expiry ? expiry - time.GetUtcNow() : interval;
        due = due < MinimumSweepDelay ? MinimumSweepDelay : due > interval ? interval : due;
        if (_presenceTimer is null)
        {
            // KeepAlive: a room with live presence leases stays active to expire them on time.
            _presenceTimer = this.RegisterGrainTimer(SweepPresenceAsync, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
        else
        {
            _presenceTimer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task SweepPresenceAsync(CancellationToken cancellationToken)
    {
        try
        {
            await EnsureInSyncAsync();
            await AnnouncePresenceAsync();
            // The last lease ran out (its node died or stopped reporting): nothing is left to keep.
            if (_presence.IsEmpty && presence.RecordExists) await StorePresenceAsync();
        }
        finally
        {
            SchedulePresenceSweep();
        }
    }

    /// <summary>Publishes as the stream's single writer, at the position this room expects next
    /// (<paramref name="payload"/> gets that position, which is a message's id). When the stream is
    /// elsewhere (the room's view is stale: another activation wrote meanwhile), nothing was
    /// published: the room re-reads the history and tries again at the new position. A failure marks
    /// the room out of sync: the next call re-reads the history first, and so finds the event if it
    /// was committed after all.</summary>
    private async Task PublishAsync(string eventName, Func<long, byte[]> payload)
    {
        for (var attempt = 1; ; attempt++)
        {
            var expected = new EventPosition(state.State.Epoch, _nextSequence);
            try
            {
                await _stream.PublishAsync(eventName, payload(expected.Sequence), expected);
            }
            catch (StreamPositionConflictException conflict) when (attempt < MaxPublishAttempts)
            {
                logger.LogWarning("Room {Room} expected its {Event} event at {Expected} but the stream is at {Last}; re-reading the history", _room, eventName, expected, conflict.Last);
                await CatchUpAsync();
                continue;
            }
            catch
            {
                _inSync = false;
                throw;
            }
            _nextSequence = expected.Sequence + 1;
            _appliedSequence = expected.Sequence;
            return;
        }
    }

    private async Task EnsureInSyncAsync()
    {
        if (!_inSync) await CatchUpAsync();
    }

    /// <summary>Reads the stream history after what this activation has seen: remembers the
    /// messages (cache and client ids), counts those the state does not know yet, and learns the
    /// next sequence. A new stream incarnation (its history was lost) starts the room's ids afresh.</summary>
    private async Task CatchUpAsync()
    {
        _inSync = false;
        var changed = false;
        var position = _appliedSequence;
        var last = position;
        while (true)
        {
            var page = await _stream.ReadAsync(position, Math.Max(1, _options.HistoryReadBatch));
            if (page.Epoch != state.State.Epoch)
            {
                if (state.State.Epoch != 0 || position != 0)
                {
                    StartNewIncarnation(page.Epoch);
                    changed = true;
                }
                // A new room just adopts the epoch; it is stored with the first message.
                state.State.Epoch = page.Epoch;
                if (position != 0)
                {
                    position = last = 0;
                    continue;
                }
            }
            foreach (var streamEvent in page.Events)
            {
                position = streamEvent.Position.Sequence;
                if (TryReadMessage(streamEvent) is not { } message) continue;
                Remember(message);
                if (message.Id > (state.State.LastId ?? 0))
                {
                    state.State.MessageCount++;
                    state.State.LastId = message.Id;
                    changed = true;
                }
            }
            last = page.LastSequence;
            if (page.Events.Count == 0 || position >= page.LastSequence) break;
        }
        _appliedSequence = Math.Max(position, last);
        _nextSequence = last + 1;
        if (changed) await WriteStateAsync();
        _inSync = true;
    }

    private void StartNewIncarnation(long epoch)
    {
        logger.LogWarning("The stream of room {Room} is a new incarnation ({Old} -> {New}): its history is gone, message ids start again and read receipts are reset",
            _room, state.State.Epoch, epoch);
        _cache.Clear();
        _clientIds.Clear();
        state.State.LastId = null;
        state.State.ReadReceipts.Clear();
    }

    private void Remember(ChatMessage message)
    {
        _cache.Add(message);
        if (message.ClientId is { } clientId) _clientIds.Add(clientId, message.Id);
    }

    private async Task<ChatMessage?> FindMessageAsync(long id)
    {
        if (_cache.Find(id) is { } cached) return cached;
        var page = await _stream.ReadAsync(id - 1, 1);
        return page.Events.Count == 1 && TryReadMessage(page.Events[0]) is { } message && message.Id == id ? message : null;
    }

    /// <summary>Messages from the stream history for ranges older than the cache: the first
    /// <paramref name="limit"/> after <paramref name="after"/>, or the <paramref name="newest"/> ones.</summary>
    private async Task<ChatMessage[]> ReadMessagesAsync(long after, int limit, bool newest)
    {
        var found = new Queue<ChatMessage>();
        var position = after;
        while (true)
        {
            var page = await _stream.ReadAsync(position, Math.Max(1, _options.HistoryReadBatch));
            foreach (var streamEvent in page.Events)
            {
                position = streamEvent.Position.Sequence;
                if (TryReadMessage(streamEvent) is not { } message || message.Id <= after) continue;
                found.Enqueue(message);
                if (found.Count > limit) found.Dequeue();
                if (!newest && found.Count == limit) return [.. found];
            }
            if (page.Events.Count == 0 || position >= page.LastSequence) return [.. found];
        }
    }

    private ChatMessage? TryReadMessage(StreamEvent streamEvent)
    {
        if (streamEvent.EventName != MessageEvent) return null;
        try
        {
            return JsonSerializer.Deserialize(streamEvent.Payload.Span, GrainsJsonContext.Default.ChatMessage);
        }
        catch (JsonException exception)
        {
            logger.LogWarning(exception, "Room {Room} skips an unreadable message event at {Token}", _room, streamEvent.Position);
            return null;
        }
    }

    // On failure the room starts again from storage and the stream history.
    private async Task WriteStateAsync()
    {
        var counted = _uncheckpointedMessages;
        try
        {
            await state.WriteOrReloadAsync(DeactivateOnIdle, logger, $"room {_room}");
        }
        catch
        {
            // The next activation reloads the state and recounts from the history; nothing to write on the way out.
            _uncheckpointedMessages = 0;
            throw;
        }
        _uncheckpointedMessages -= counted;
    }
}
