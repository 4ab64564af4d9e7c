using GrainStream.Streams;
using GrainStream.Tests.Persistence.Specifications;

namespace GrainStream.Tests.Persistence;

/// <summary>The event log contract (<see cref="EventLogSpecification"/>) on the in-memory log the
/// stream provider falls back to. Each log of a test is a store of its own (memory is not shared
/// between instances); the store's counts add them up.</summary>
public sealed class MemoryEventLogTests : EventLogSpecification
{
    private readonly List<MemoryEventLog> _logs = [];

    protected override Task CreateStoreAsync() => Task.CompletedTask;

    protected override Task DisposeStoreAsync() => Task.CompletedTask;

    protected override IEventLog CreateLog(TimeProvider clock)
    {
        var log = new MemoryEventLog(clock);
        _logs.Add(log);
        return log;
    }

    protected override Task RemoveStreamLogsByHandAsync()
    {
        foreach (var log in _logs) log.ForgetAll();
        return Task.CompletedTask;
    }

    protected override async Task<long> StoredEventCountAsync()
    {
        long count = 0;
        foreach (var log in _logs)
        {
            foreach (var stream in await log.ListStreamsAsync(null, int.MaxValue)) count += (await log.ReadAsync(stream, 0, int.MaxValue)).Count;
        }
        return count;
    }

    protected override async Task<long> StoredStreamLogCountAsync()
    {
        long count = 0;
        foreach (var log in _logs) count += (await log.ListStreamsAsync(null, int.MaxValue)).Count;
        return count;
    }
}
