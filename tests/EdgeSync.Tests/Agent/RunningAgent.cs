using EdgeSync.Agent;
using EdgeSync.Agent.Config;

namespace EdgeSync.Tests.Agent;

/// <summary>An agent running in-process (through <see cref="AgentHost.RunAsync"/>) until stopped.</summary>
public sealed class RunningAgent : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();

    public Task<int> Completion { get; }
    public AgentConfig Config { get; }
    public LogSink Log { get; }

    private RunningAgent(AgentConfig config, LogSink log)
    {
        Config = config;
        Log = log;
        Completion = Task.Run(() => AgentHost.RunAsync(config, log, _stop.Token));
    }

    public static RunningAgent Start(AgentConfig config, LogSink log) => new(config, log);

    /// <summary>Stops the agent the way Ctrl-C does and returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        await _stop.CancelAsync();
        return await Completion.WaitAsync(TimeSpan.FromSeconds(15));
    }

    public async ValueTask DisposeAsync()
    {
        if (!Completion.IsCompleted)
            await StopAsync();
        _stop.Dispose();
    }
}
