using System.Collections.Concurrent;

namespace EdgeSync.Tests.OrleansAdoNet;

// Tiny grains that exist only to drive the Orleans ADO.NET providers from the tests.

[GenerateSerializer]
public sealed class ProbeCounterState
{
    [Id(0)] public int Total { get; set; }
    [Id(1)] public List<string> Notes { get; set; } = [];
}

[Alias("EdgeSync.Tests.OrleansAdoNet.IProbeCounterGrain")]
public interface IProbeCounterGrain : IGrainWithStringKey
{
    [Alias("Add")] Task<int> Add(int amount, string note);
    [Alias("Read")] Task<ProbeCounterState> Read();
    [Alias("Deactivate")] Task Deactivate();
    [Alias("HostedOn")] Task<string> HostedOn();
}

public sealed class ProbeCounterGrain(
    [PersistentState("counter", AdoNetSiloCluster.StorageName)] IPersistentState<ProbeCounterState> counter,
    ILocalSiloDetails silo)
    : Grain, IProbeCounterGrain
{
    public async Task<int> Add(int amount, string note)
    {
        counter.State.Total += amount;
        counter.State.Notes.Add(note);
        await counter.WriteStateAsync();
        return counter.State.Total;
    }

    public Task<ProbeCounterState> Read() => Task.FromResult(counter.State);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task<string> HostedOn() => Task.FromResult(silo.SiloAddress.ToString());
}

[Alias("EdgeSync.Tests.OrleansAdoNet.IProbeReminderGrain")]
public interface IProbeReminderGrain : IGrainWithStringKey
{
    [Alias("Arm")] Task Arm(string reminderName, TimeSpan dueTime, TimeSpan period);
    [Alias("Disarm")] Task<bool> Disarm(string reminderName);
}

public sealed class ProbeReminderGrain : Grain, IProbeReminderGrain, IRemindable
{
    public async Task Arm(string reminderName, TimeSpan dueTime, TimeSpan period) =>
        await this.RegisterOrUpdateReminder(reminderName, dueTime, period);

    public async Task<bool> Disarm(string reminderName)
    {
        var reminder = await this.GetReminder(reminderName);
        if (reminder is null)
        {
            return false;
        }

        await this.UnregisterReminder(reminder);
        return true;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        ProbeReminderLog.Record(this.GetPrimaryKeyString(), reminderName);
        return Task.CompletedTask;
    }
}

/// <summary>Process-wide record of reminder ticks; the silos run inside the test process.</summary>
public static class ProbeReminderLog
{
    private static readonly ConcurrentDictionary<string, TaskCompletionSource<string>> FirstTicks = new();

    public static Task<string> FirstTick(string grainKey) => Slot(grainKey).Task;

    public static void Record(string grainKey, string reminderName) => Slot(grainKey).TrySetResult(reminderName);

    private static TaskCompletionSource<string> Slot(string grainKey) =>
        FirstTicks.GetOrAdd(grainKey, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
}
