using System.Drawing;
using Terminal.Gui.ViewBase;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>TableViews that behave like lists: whole-row selection, no type-to-search (letters are commands here).</summary>
public static class Tables
{
    public static TableView Create(Pos y, Dim heightMargin) => new()
    {
        X = 0,
        Y = y,
        Width = Dim.Fill(),
        Height = Dim.Fill(heightMargin),
        FullRowSelect = true,
        MultiSelect = false,
        // Type-to-search would swallow d, w, e, x, …; the screens' keys come first.
        CollectionNavigator = null,
        Style = new TableStyle
        {
            AlwaysShowHeaders = true,
            ShowHorizontalHeaderOverline = false,
            ShowVerticalCellLines = false,
            ShowVerticalHeaderLines = false,
            ShowHorizontalHeaderUnderline = true,
            ExpandLastColumn = true,
        },
    };

    public static int? SelectedRow(TableView table) =>
        table.Table is { Rows: > 0 } source && table.Value is { } selection && selection.SelectedCell.Y >= 0 && selection.SelectedCell.Y < source.Rows
            ? selection.SelectedCell.Y
            : null;

    public static void Select(TableView table, int row)
    {
        if (table.Table is not { Rows: > 0 } source)
            return;
        table.Value = new TableSelection(new Point(0, Math.Clamp(row, 0, source.Rows - 1)));
        table.EnsureCursorIsVisible();
    }
}
