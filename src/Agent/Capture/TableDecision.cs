namespace EdgeSync.Agent.Capture;

/// <summary>What enrollment decided for one table.</summary>
public enum TableOutcome
{
    /// <summary>Captured by triggers into the journal.</summary>
    Enrolled,

    /// <summary>Refused: the table has no explicit PRIMARY KEY (rowid-only).</summary>
    RefusedNoPrimaryKey,

    /// <summary>Configured as <c>telemetry</c>: captured by a cursor on its rowid (no triggers).</summary>
    EnrolledTelemetry,

    /// <summary>Configured as <c>telemetry</c> but unusable: WITHOUT ROWID, or no usable timestamp column (<see cref="TableDecision.Problem"/>).</summary>
    RefusedTelemetry,

    /// <summary>Configured as <c>ignore</c>, or not named by a configured <c>tables</c> list.</summary>
    Ignored,
}

/// <param name="Shape">The table's shape (null when it could not be read).</param>
/// <param name="Installed">True when this pass (re)installed the triggers.</param>
/// <param name="Baselined">True when this pass journaled the table's current rows.</param>
/// <param name="TimestampColumn">The timestamp column of a telemetry table.</param>
/// <param name="Problem">Why a telemetry table is refused.</param>
/// <param name="BootstrapRows">Set when this pass enrolled the table for the first time with more rows than <c>bootstrap_threshold_rows</c>: its triggers are installed without a baseline, and its current rows go as a bootstrap upload.</param>
public sealed record TableDecision(string Table, TableOutcome Outcome, TableShape? Shape, bool Installed = false, bool Baselined = false,
    string? TimestampColumn = null, string? Problem = null, long? BootstrapRows = null)
{
    public bool IsRefused => Outcome is TableOutcome.RefusedNoPrimaryKey or TableOutcome.RefusedTelemetry;

    public string Describe() => Outcome switch
    {
        TableOutcome.Enrolled => $"enrolled: key ({string.Join(", ", Shape!.Key.Select(k => k.Name))}), {Shape.Columns.Count} columns, schema {Shape.Hash[..12]}"
                                 + (BootstrapRows is { } rows ? $"; its {rows} rows are sent as a bootstrap upload" : ""),
        TableOutcome.RefusedNoPrimaryKey =>
            "REFUSED: it has no explicit PRIMARY KEY (rowid-only tables cannot be mirrored); add a PRIMARY KEY or set it to 'ignore' in tables:. Other tables are not affected.",
        TableOutcome.EnrolledTelemetry => $"telemetry: timestamp column {TimestampColumn}, {Shape!.Columns.Count} columns, schema {Shape.Hash[..12]} (cursor on rowid, no triggers)",
        TableOutcome.RefusedTelemetry => $"REFUSED as telemetry: {Problem}. Other tables are not affected.",
        _ => "ignored",
    };
}
