namespace EdgeSync.Agent.Capture;

/// <summary>What enrollment decided for one table.</summary>
public enum TableOutcome
{
    /// <summary>Captured by triggers into the journal.</summary>
    Enrolled,

    /// <summary>Refused: the table has no explicit PRIMARY KEY (rowid-only).</summary>
    RefusedNoPrimaryKey,

    /// <summary>Configured as <c>telemetry</c>, which this agent does not support yet.</summary>
    SkippedTelemetry,

    /// <summary>Configured as <c>ignore</c>, or not named by a configured <c>tables</c> list.</summary>
    Ignored,
}

/// <param name="Shape">The table's shape (null when it could not be read).</param>
/// <param name="Installed">True when this pass (re)installed the triggers.</param>
/// <param name="Baselined">True when this pass journaled the table's current rows.</param>
public sealed record TableDecision(string Table, TableOutcome Outcome, TableShape? Shape, bool Installed = false, bool Baselined = false)
{
    public string Describe() => Outcome switch
    {
        TableOutcome.Enrolled => $"enrolled: key ({string.Join(", ", Shape!.Key.Select(k => k.Name))}), {Shape.Columns.Count} columns, schema {Shape.Hash[..12]}",
        TableOutcome.RefusedNoPrimaryKey =>
            "REFUSED: it has no explicit PRIMARY KEY (rowid-only tables cannot be mirrored); add a PRIMARY KEY or set it to 'ignore' in tables:. Other tables are not affected.",
        TableOutcome.SkippedTelemetry => "skipped: strategy 'telemetry' is not supported by this agent yet (no triggers installed, nothing published)",
        _ => "ignored",
    };
}
