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
/// For the fleet (a schema group's example review) the same rows, plus the mirror layout, and the request
/// has <c>scope: "project"</c>.
/// </summary>
public sealed class ApproveDialog : Dialog
{
    /// <summary>The layouts offered for a fleet approval; the first sends none, so the project policy's applies.</summary>
    private static readonly string[] Layouts = ["default", "per_device", "coalesced"];

    private readonly ReviewDetail _review;
    private readonly List<ColumnRow> _rows = [];
    private readonly TextField _mirrorTable;
    private readonly Chooser? _layout;
    private readonly Label _problem;
    private View? _fix;

    private sealed record ColumnRow(ColumnView Column, Chooser Action, TextField Target, string? TimestampColumn);

    private ApproveDialog(ReviewDetail review, IReadOnlyList<BindingView> bindings, SchemaGroup? fleet)
    {
        HotKeySpecifier = Plain.NoHotKey;
        _review = review;
        Title = fleet is null ? $"Approve schema — {review.SourceTable}" : $"Approve for the fleet — {review.SourceTable}";
        var columns = (review.ProposedColumns ?? []).ToDictionary(c => c.Name, StringComparer.Ordinal);
        var y = 0;
        if (fleet is not null)
        {
            Add(Plain.Label($"Every open review of this schema is approved: {fleet.LineageCount} lineage(s) on {fleet.DeviceCount} device(s);", 0, y++));
            Add(Plain.Label("devices that send it later are accepted without a review (a registry decision).", 0, y++));
            y++;
        }
        Add(Plain.Label($"{"COLUMN",-36} {"ACTION",-10} TARGET (mirror: column name, empty = derived; map: data point)", 0, y++));
        foreach (var action in ApprovalDefaults.For(review, bindings))
        {
            var column = columns[action.SourceColumnName];
            Add(Plain.Label(Cells.Cut($"{column.Name} ({column.DeclTypeAffinity}{(column.IsKey ? ", key" : "")})", 36), 0, y, 36));
            // The API requires key columns to be mirrored; offering anything else would only earn a 400.
            var chooser = Chooser.ForColumn(action.Action, enabled: !column.IsKey);
            chooser.X = 37;
            chooser.Y = y;
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
        if (fleet is not null)
        {
            Add(Plain.Label("Mirror layout (↑/↓; default: the project policy's; coalesced: one table for the whole fleet):", 0, y));
            _layout = new Chooser(Layouts, Layouts[0]) { X = 0, Y = y + 1 };
            Add(_layout);
            y += 3;
        }
        Add(Plain.Label(fleet is null
            ? "Mirror table name (empty: derived from device and table):"
            : "Mirror table name (coalesced only; empty: derived from the table):", 0, y));
        // A fleet's table is not the example device's: its name is only ever the operator's.
        _mirrorTable = new TextField { X = 0, Y = y + 1, Width = 85, Text = fleet is null ? review.MirrorTableName ?? "" : "" };
        Add(_mirrorTable);
        _problem = Plain.Label("", 0, y + 3, 85);
        Add(_problem);
        AddButton(new Button { Title = "_Cancel" });
        AddButton(new Button { Title = fleet is null ? "_Approve" : "_Approve for the fleet" });
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
    /// <param name="fleet">The schema group approved for the project, or null for this review alone.</param>
    public static ApproveRequest? Ask(UiSession session, ReviewDetail review, LineageDetail lineage, SchemaGroup? fleet = null)
    {
        using var dialog = new ApproveDialog(review, lineage.Bindings, fleet);
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
            var action = row.Action.Value;
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
        if (_layout is null)
            return new ApproveRequest(_review.ActionVersion, actions, table.Length == 0 ? null : table);
        // per_device names each device's table itself; with the project default, the API knows which layout that is.
        if (_layout.Value == "per_device" && table.Length > 0)
            return Problem("A mirror table name is for the coalesced layout only (per_device names a table per device).", _mirrorTable);
        return new ApproveRequest(_review.ActionVersion, actions, table.Length == 0 ? null : table, "project", _layout.Value == Layouts[0] ? null : _layout.Value);
    }

    private ApproveRequest? Problem(string text, View fix)
    {
        _problem.Text = SafeText.Escape(text);
        _fix = fix;
        return null;
    }
}
