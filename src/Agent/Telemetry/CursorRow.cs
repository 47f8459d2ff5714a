namespace EdgeSync.Agent.Telemetry;

/// <summary>One row of a telemetry table as read by the cursor: its rowid and its values in column order (as SQLite returns them).</summary>
public sealed record CursorRow(long RowId, object?[] Values);
