using EdgeSync.Cli.Api;
using EdgeSync.Cli.Output;
using EdgeSync.Escaping;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// Approving a schema: one row per proposed column with its action (↑/↓ on the action field
/// steps through mirror, map, ignore, defer) and its target — the mirror column name for mirror, the data point
/// for map. Rows start from <see cref="ApprovalDefaults"/>; key columns are always mirrored. Tab moves
/// between fields, Enter approves, Esc cancels. The request carries the review's action_version.
/// </summary>
public sealed class ApproveDialog : Dialog
{
    private readonly ReviewDetail _review;
    private readonly List<ColumnRow> _rows = [];
    private readonly TextField _mirrorTable;
    private readonly Label _problem;
    private View? _fix;

    private sealed record ColumnRow(ColumnView Column, ActionChooser Action, TextField Target, string? TimestampColumn);

    private ApproveDialog(ReviewDetail review, IReadOnlyList<BindingView> bindings)
    {
        HotKeySpecifier = Plain.NoHotKey;
        _review = review;
        Title = $"Approve schema — {review.SourceTable}";
        var columns = (review.ProposedColumns ?? []).ToDictionary(c => c.Name, StringComparer.Ordinal);
        var y = 0;
        Add(Plain.Label($"{"COLUMN",-36} {"ACTION",-10} TARGET (mirror: column name, empty = derived; map: data point)", 0, y++));
        foreach (var action in ApprovalDefaults.For(review, bindings))
        {
            var column = columns[action.SourceColumnName];
            Add(Plain.Label(Cells.Cut($"{column.Name} ({column.DeclTypeAffinity}{(column.IsKey ? ", key" : "")})", 36), 0, y, 36));
            // The API requires key columns to be mirrored; offering anything else would only earn a 400.
            var chooser = new ActionChooser(action.Action, enabled: !column.IsKey) { X = 37, Y = y };
            var target = new TextField
            {
                X = 49,
                Y = y,
                Width = 36,
                // Empty for mirror means "the API's own name for it", so odd source names are never second-guessed here.
                Text = (action.Action == "map" ? action.DataPoint : action.MirrorColumnName) ?? "",
            };
            Add(chooser, target);
            _rows.Add(new ColumnRow(column, chooser, target, action.TimestampColumn));
            y++;
        }
        y++;
        Add(Plain.Label("Mirror table name (empty: derived from device and table):", 0, y));
        _mirrorTable = new TextField { X = 0, Y = y + 1, Width = 85, Text = review.MirrorTableName ?? "" };
        Add(_mirrorTable);
        _problem = Plain.Label("", 0, y + 3, 85);
        Add(_problem);
        AddButton(new Button { Title = "_Cancel" });
        AddButton(new Button { Title = "_Approve" });
        // Start on the first column that has a choice (key columns have none), so Tab walks action, target, action, …;
        // after a refusal, on the field to fix, so the operator just types.
        IsModalChanged += (_, e) =>
        {
            if (!e.Value)
                return;
            if (_fix is not null)
                _fix.SetFocus();
            else if (_rows.FirstOrDefault(r => r.Action.Enabled) is { } first)
                first.Action.SetFocus();
        };
    }

    /// <summary>The request to send, or null when the operator cancelled.</summary>
    public static ApproveRequest? Ask(UiSession session, ReviewDetail review, LineageDetail lineage)
    {
        using var dialog = new ApproveDialog(review, lineage.Bindings);
        while (true)
        {
            session.App.Run(dialog, session.OnUnexpected);
            if (dialog.Result != 1)
                return null;
            // A map without a data point is refused by the API; say so here and keep what was typed.
            if (dialog.Build() is { } request)
                return request;
        }
    }

    private ApproveRequest? Build()
    {
        var actions = new List<ColumnAction>();
        foreach (var row in _rows)
        {
            var action = row.Action.Action;
            var target = row.Target.Text.Trim();
            if (!ColumnAction.Actions.Contains(action))
                return Problem($"{row.Column.Name}: choose one of {string.Join(", ", ColumnAction.Actions)}.", row.Action);
            switch (action)
            {
                case "map" when target.Length == 0:
                    return Problem($"{row.Column.Name}: map needs a data point in its target field.", row.Target);
                case "map":
                    actions.Add(new ColumnAction(row.Column.Name, action, DataPoint: target, TimestampColumn: row.TimestampColumn));
                    break;
                case "mirror":
                    actions.Add(new ColumnAction(row.Column.Name, action, MirrorColumnName: target.Length == 0 ? null : target));
                    break;
                default:
                    actions.Add(new ColumnAction(row.Column.Name, action));
                    break;
            }
        }
        var table = _mirrorTable.Text.Trim();
        return new ApproveRequest(_review.ActionVersion, actions, table.Length == 0 ? null : table);
    }

    private ApproveRequest? Problem(string text, View fix)
    {
        _problem.Text = SafeText.Escape(text);
        _fix = fix;
        return null;
    }
}
