using EdgeSync.Agent.Capture;
using EdgeSync.Agent.Config;
using EdgeSync.Agent.Connection;
using EdgeSync.Agent.Controls;
using EdgeSync.Agent.State;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeSync.Agent;

/// <summary>
/// Runs the edge agent until cancelled: the entry point of <c>edgesync-agent run</c>, and of
/// tests that start and stop agents in-process.
/// </summary>
public static class AgentHost
{
    /// <returns>An <see cref="AgentExitCodes"/> value: 0 when stopped by <paramref name="ct"/>, 2 when the source database is missing.</returns>
    public static async Task<int> RunAsync(AgentConfig config, ILoggerFactory? loggers = null, CancellationToken ct = default)
    {
        loggers ??= NullLoggerFactory.Instance;
        var logger = loggers.CreateLogger("EdgeSync.Agent");
        SourceDatabase source;
        try
        {
            source = SourceDatabase.OpenExisting(config.DatabasePath);
        }
        catch (SourceDatabaseMissingException e)
        {
            logger.LogCritical("Cannot start: {Error}", e.Message);
            return AgentExitCodes.OperatorError;
        }
        catch (SqliteException e)
        {
            logger.LogCritical("Cannot open the source database {Path}: {Error}", config.DatabasePath, e.Message);
            return AgentExitCodes.OperatorError;
        }

        using (source)
        using (var state = StateStore.Open(config.StateDatabasePath, logger))
        {
            var engine = (SyncEngine?)null;
            var controls = (ControlProcessor?)null;
            await using var session = new BrokerSession(config, logger, message => controls!.ReceiveAsync(message));
            engine = new SyncEngine(config, source, state, session, logger);
            using var uploads = engine;
            controls = new ControlProcessor(state, session, engine.RequestFlush, logger, engine.Uploads.Grant);
            session.Connected += () =>
            {
                controls.Wake();
                engine.RequestFlush();
            };

            try
            {
                engine.Prepare();
            }
            catch (SqliteException e)
            {
                logger.LogCritical("Cannot prepare the source database {Path} for capture: {Error}", config.DatabasePath, e.Message);
                return AgentExitCodes.OperatorError;
            }
            logger.LogInformation("EdgeSync agent started: device {Device}, root topic {Root}, database {Database}, state {State}, flush every {Interval} s",
                config.DeviceName, config.RootTopic, config.DatabasePath, config.StateDatabasePath, config.FlushInterval.TotalSeconds);

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var tasks = new[]
            {
                Task.Run(() => session.RunAsync(stop.Token), CancellationToken.None),
                Task.Run(() => engine.RunAsync(stop.Token), CancellationToken.None),
                Task.Run(() => controls.RunAsync(stop.Token), CancellationToken.None),
            };
            var first = await Task.WhenAny(tasks);
            if (first.IsFaulted && !ct.IsCancellationRequested)
            {
                logger.LogCritical(first.Exception!.GetBaseException(), "The agent stopped on an unexpected error");
                await stop.CancelAsync();
                await Task.WhenAll(tasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
                return AgentExitCodes.Failed;
            }
            await Task.WhenAll(tasks.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
            logger.LogInformation("EdgeSync agent stopped");
            return AgentExitCodes.Ok;
        }
    }
}
