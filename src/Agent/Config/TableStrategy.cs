namespace EdgeSync.Agent.Config;

/// <summary>How a table is captured (<c>tables:</c> in the configuration).</summary>
public enum TableStrategy
{
    /// <summary>Row journal: triggers capture every insert, update and delete (<c>sync/rows/batch</c>).</summary>
    Rows,

    /// <summary>Append-only time series (<c>sync/telemetry/batch</c>); not supported by this agent yet: such tables are skipped.</summary>
    Telemetry,

    /// <summary>Not captured; the agent removes its triggers from the table if it had installed them.</summary>
    Ignore,
}
