namespace EdgeSync.Cli.Ui;

/// <summary>
/// A key of a rows screen that acts on the selected row (discard a staged row, requeue a quarantined one).
/// The screen hands it the row and where to report; the action reloads the page once the API answered.
/// </summary>
public sealed record RowKey(char Key, string Text, Action<System.Text.Json.JsonElement, RowScope> Act);

/// <summary>What a row action reports to: the screen's status line, its lifetime and its reload.</summary>
public sealed record RowScope(StatusLine Status, CancellationToken Alive, Action Reload);
