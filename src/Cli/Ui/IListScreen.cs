namespace EdgeSync.Cli.Ui;

/// <summary>A screen of the main window (Lineages, Schema Reviews, Schema Groups, Registry Decisions): what the window does to the one in front.</summary>
public interface IListScreen
{
    void FocusTable();

    void Refresh();
}
