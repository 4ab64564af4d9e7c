using GrainStream.Runtime.Testing;
using GrainStream.Tests.TestGrains;
using GrainStream.Tests.Support;

namespace GrainStream.Tests.Runtime;

public sealed class ReminderTests : IAsyncLifetime
{
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await ClusterFactory.StartAsync(2);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Reminder_fires_again_after_the_grain_was_deactivated()
    {
        var grain = _cluster.Client.GetGrain<IReminderUserGrain>("wake-me");
        await grain.Start();
        await Eventually.TrueAsync(async () => await grain.Fired() >= 1, "the first reminder");
        await grain.Deactivate();
        var before = await grain.Fired();
        await Eventually.TrueAsync(async () => await grain.Fired() >= before + 2, "two more reminders after deactivation");
        await grain.Stop();
    }

    [Fact]
    public async Task Reminders_survive_the_loss_of_the_silo_holding_the_reminder_table()
    {
        var grain = _cluster.Client.GetGrain<IReminderUserGrain>("survive");
        await grain.Start();
        await Eventually.TrueAsync(async () => await grain.Fired() >= 1, "the first reminder");
        var registry = await _cluster.Directory.LookupAsync(new GrainId("sys.reminders", "cluster"));
        await _cluster.KillSiloAsync(_cluster.Silos.Single(s => s.Silo.Address.Equals(registry!.Silo)));
        await _cluster.WaitForLivenessToStabilizeAsync();
        var before = await grain.Fired();
        await Eventually.TrueAsync(async () => await grain.Fired() >= before + 2, "reminders after the registry's silo died", TimeSpan.FromSeconds(30));
    }
}
