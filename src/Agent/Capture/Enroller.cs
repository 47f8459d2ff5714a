using EdgeSync.Agent.Config;
using Microsoft.Extensions.Logging;

namespace EdgeSync.Agent.Capture;

/// <summary>
/// Brings the source database's triggers in line with the configuration and the tables' current
/// schemas: installs capture triggers on tables with strategy <c>rows</c> and a primary key,
/// reinstalls them when a table's fingerprint changed, removes them from tables that are ignored,
/// telemetry (read by a cursor on the rowid instead) or refused. Triggers whose text differs from what this agent generates (installed by
/// an older agent with another value encoding) are reinstalled too. Whenever the triggers of a
/// table are (re)installed — first enrollment, schema change, upgrade — and for every table when
/// the journal was just rebuilt, the table gets a baseline: its current rows are journaled as
/// inserts in the same transaction, so the mirror converges on the table's real content (rows
/// are upserts in the cloud, so this never doubles anything).
/// </summary>
public sealed class Enroller(SourceDatabase database, JournalStore journal, AgentConfig config, ILogger logger)
{
    private readonly Dictionary<string, string> _lastLogged = new(StringComparer.Ordinal);
    private readonly HashSet<string> _missingLogged = new(StringComparer.Ordinal);

    /// <summary>What would be done, without changing anything (<c>enroll --dry-run</c>).</summary>
    public IReadOnlyList<TableDecision> Plan() =>
        TableCatalog.UserTables(database).Select(table => Decide(table, TableCatalog.Shape(database, table))).ToList();

    /// <summary>Applies the plan; <paramref name="baselineAll"/> journals the current rows of every enrolled table.</summary>
    /// <param name="isNew">True for a table the agent has no state for: on its first enrollment, a table holding more than
    /// <c>bootstrap_threshold_rows</c> gets its triggers without a baseline (<see cref="TableDecision.BootstrapRows"/>).</param>
    public IReadOnlyList<TableDecision> Apply(bool baselineAll, Func<string, bool>? isNew = null)
    {
        EnsurePowersOfTwo();
        var decisions = new List<TableDecision>();
        foreach (var table in TableCatalog.UserTables(database))
        {
            var decision = Decide(table, TableCatalog.Shape(database, table));
            decision = decision.Outcome == TableOutcome.Enrolled ? Enroll(decision.Shape!, baselineAll, isNew?.Invoke(table) == true) : Unenroll(decision);
            decisions.Add(decision);
            LogOnce(decision);
        }
        if (config.Tables is not null)
            foreach (var configured in config.Tables.Where(t => t.Value != TableStrategy.Ignore).Select(t => t.Key))
                if (!decisions.Any(d => d.Table == configured) && _missingLogged.Add(configured))
                    logger.LogWarning("tables.{Table} is configured but the database has no such table; it is captured once it exists", configured);
        return decisions;
    }

    /// <summary>
    /// The REAL encoding of the triggers reads <see cref="PowersOfTwo.Table"/>: without it every
    /// write of the application to a captured table would fail, so it is created (first enrollment,
    /// upgrade from an agent without it) or repaired (dropped or edited by hand) before any trigger.
    /// </summary>
    private void EnsurePowersOfTwo()
    {
        if (PowersOfTwo.IsComplete(database))
            return;
        using var transaction = database.BeginImmediate();
        if (PowersOfTwo.Ensure(database, transaction))
            logger.LogInformation("Wrote the {Count} powers of two of {Table}, which the capture triggers use to encode REAL values exactly", PowersOfTwo.Count, PowersOfTwo.Table);
        transaction.Commit();
    }

    private TableDecision Decide(string table, TableShape? shape) => config.StrategyOf(table) switch
    {
        null or TableStrategy.Ignore => new TableDecision(table, TableOutcome.Ignored, shape),
        TableStrategy.Telemetry => DecideTelemetry(table, shape),
        _ when shape is null || !shape.HasPrimaryKey => new TableDecision(table, TableOutcome.RefusedNoPrimaryKey, shape),
        _ => new TableDecision(table, TableOutcome.Enrolled, shape),
    };

    /// <summary>A telemetry table needs a rowid (the cursor) and a timestamp column; it never gets triggers.</summary>
    private TableDecision DecideTelemetry(string table, TableShape? shape)
    {
        if (shape is null)
            return new TableDecision(table, TableOutcome.RefusedTelemetry, shape, Problem: "its columns cannot be read");
        if (TableCatalog.IsWithoutRowid(database, table))
            return new TableDecision(table, TableOutcome.RefusedTelemetry, shape, Problem: "it is a WITHOUT ROWID table (telemetry is read by a cursor on the rowid)");
        var (column, problem) = TelemetryTimestamp.Choose(shape, config.TimestampColumns.GetValueOrDefault(table));
        return column is null
            ? new TableDecision(table, TableOutcome.RefusedTelemetry, shape, Problem: problem)
            : new TableDecision(table, TableOutcome.EnrolledTelemetry, shape, TimestampColumn: column);
    }

    private TableDecision Enroll(TableShape shape, bool baselineAll, bool isNew)
    {
        var existing = OurTriggers(shape.Name);
        var current = CaptureTriggers.AreCurrent(existing, shape);
        // Any (re)install journals the current rows: on first enrollment so that the mirror starts
        // from the table's content, after a schema change so that values the old triggers could not
        // see (a new column's DEFAULT, changes made between the ALTER TABLE and now) reach the cloud
        // under the new schema.
        var baseline = baselineAll || !current;
        // A big table seen for the first time is sent as one bootstrap upload instead: journaling
        // its rows would mean thousands of batches (and a copy of the table inside the journal).
        // A crash between the triggers and the snapshot leaves no state for the table, so this is
        // decided again at the next start, whatever triggers are there.
        long? bootstrapRows = null;
        if (isNew)
        {
            var rows = database.Scalar<long>($"SELECT count(*) FROM {SqlText.Identifier(shape.Name)}");
            if (rows > config.BootstrapThresholdRows)
            {
                bootstrapRows = rows;
                baseline = false;
            }
        }
        if (current && !baseline)
            return new TableDecision(shape.Name, TableOutcome.Enrolled, shape, BootstrapRows: bootstrapRows);

        using var transaction = database.BeginImmediate();
        // Re-read inside the write lock: no ALTER TABLE can slip between the fingerprint and the triggers.
        var locked = TableCatalog.Shape(database, shape.Name, transaction);
        if (locked is null || !locked.HasPrimaryKey)
        {
            transaction.Rollback();
            return Unenroll(new TableDecision(shape.Name, TableOutcome.RefusedNoPrimaryKey, locked));
        }
        var installed = false;
        if (!current || locked.Hash != shape.Hash)
        {
            foreach (var drop in CaptureTriggers.Drop(locked.Name))
                database.Execute(drop, transaction);
            foreach (var create in CaptureTriggers.Create(locked))
                database.Execute(create, transaction);
            journal.RememberSchema(locked, transaction);
            installed = true;
        }
        if (baseline)
            database.Execute(CaptureTriggers.Baseline(locked), transaction);
        transaction.Commit();
        return new TableDecision(locked.Name, TableOutcome.Enrolled, locked, installed, baseline, BootstrapRows: bootstrapRows);
    }

    private TableDecision Unenroll(TableDecision decision)
    {
        if (OurTriggers(decision.Table).Count > 0)
        {
            using var transaction = database.BeginImmediate();
            foreach (var drop in CaptureTriggers.Drop(decision.Table))
                database.Execute(drop, transaction);
            transaction.Commit();
            logger.LogInformation("Removed the capture triggers of table {Table} ({Outcome})", decision.Table, decision.Outcome);
        }
        return decision;
    }

    /// <summary>The agent's triggers on the table: name → SQL.</summary>
    private Dictionary<string, string> OurTriggers(string table)
    {
        var names = CaptureTriggers.Names(table).ToHashSet(StringComparer.Ordinal);
        using var command = database.Command("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = $t", null, ("$t", table));
        using var reader = command.ExecuteReader();
        var triggers = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read())
            if (names.Contains(reader.GetString(0)))
                triggers[reader.GetString(0)] = reader.IsDBNull(1) ? "" : reader.GetString(1);
        return triggers;
    }

    private void LogOnce(TableDecision decision)
    {
        var key = decision.Outcome + "/" + decision.Shape?.Hash;
        if (_lastLogged.TryGetValue(decision.Table, out var last) && last == key && !decision.Installed && !decision.Baselined)
            return;
        _lastLogged[decision.Table] = key;
        switch (decision.Outcome)
        {
            case TableOutcome.RefusedNoPrimaryKey:
                logger.LogError("Table {Table} REFUSED: it has no explicit PRIMARY KEY (rowid-only tables cannot be mirrored). Add a PRIMARY KEY or set tables.{Table}: ignore. The other tables keep syncing.",
                    decision.Table, decision.Table);
                break;
            case TableOutcome.RefusedTelemetry:
                logger.LogError("Table {Table} REFUSED as telemetry: {Problem}. The other tables keep syncing.", decision.Table, decision.Problem);
                break;
            case TableOutcome.Ignored:
                logger.LogDebug("Table {Table} ignored", decision.Table);
                break;
            default:
                logger.LogInformation("Table {Table} {What}{Baseline}", decision.Table, decision.Describe(),
                    decision.Baselined ? "; its current rows were journaled as the baseline" : "");
                break;
        }
    }
}
