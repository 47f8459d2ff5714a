using EdgeSync.Cli.Api;
using EdgeSync.Cli.Settings;
using Terminal.Gui.App;
using Terminal.Gui.Input;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// Asked at start when no token or project is known: API URL, token and project id, checked against
/// the API (GET the project) before they are saved — a typo is reported here, not on the first screen.
/// </summary>
public sealed class LoginDialog : Dialog
{
    private readonly IApplication _app;
    private readonly TextField _url;
    private readonly TextField _token;
    private readonly TextField _project;
    private readonly Label _problem = Plain.Label("", 0, 8, 90);
    private bool _checking;

    private LoginDialog(IApplication app, CliSettings known)
    {
        HotKeySpecifier = Plain.NoHotKey;
        _app = app;
        Title = "Log in to EdgeSync";
        Add(Plain.Label("API URL", 0, 0));
        _url = new TextField { X = 12, Y = 0, Width = 78, Text = known.ApiUrl ?? "" };
        Add(Plain.Label("Token", 0, 2));
        _token = new TextField { X = 12, Y = 2, Width = 78, Text = known.Token ?? "", Secret = true };
        Add(Plain.Label("Project id", 0, 4));
        _project = new TextField { X = 12, Y = 4, Width = 78, Text = known.ProjectId?.ToString() ?? "" };
        Add(_url, _token, _project, _problem);
        Add(Plain.Label("Saved to the settings file (readable by you only) once the API accepts them.", 0, 6));
        AddButton(new Button { Title = "_Quit" });
        AddButton(new Button { Title = "_Log in" });
    }

    /// <summary>The verified settings, or null when the operator gave up.</summary>
    public CliSettings? Verified { get; private set; }

    public static CliSettings? Ask(IApplication app, CliSettings known)
    {
        using var dialog = new LoginDialog(app, known);
        app.Run(dialog, _ => true);
        return dialog.Verified;
    }

    /// <summary>The default button (and Enter in a field): check with the API first; the dialog closes once it said yes.</summary>
    protected override bool OnAccepting(CommandEventArgs args)
    {
        if (Verified is not null)
            return base.OnAccepting(args);
        if (!_checking)
            Check();
        return true;
    }

    private void Check()
    {
        if (!Guid.TryParse(_project.Text.Trim(), out var project))
        {
            _problem.Text = "The project id is a UUID (ask your administrator, or see the API's /projects).";
            return;
        }
        if (_token.Text.Trim().Length == 0)
        {
            _problem.Text = "A token is needed (scripts/dev-token.sh prints a development one).";
            return;
        }
        var settings = new CliSettings { ApiUrl = _url.Text.Trim(), Token = _token.Text.Trim(), ProjectId = project };
        _checking = true;
        _problem.Text = "… checking with the API";
        _ = Task.Run(async () =>
        {
            string? problem = null;
            try
            {
                using var client = new EdgeSyncClient(settings.ApiUrl!, settings.Token, TimeSpan.FromSeconds(15));
                await new ProjectApi(client, project).ProjectAsync().ConfigureAwait(false);
            }
            catch (CliException e)
            {
                problem = e.Message;
            }
            catch (Exception e)
            {
                problem = $"unexpected error: {e.Message}";
            }
            _app.Invoke(() =>
            {
                _checking = false;
                if (problem is not null)
                {
                    _problem.Text = problem.ReplaceLineEndings(" ");
                    return;
                }
                Verified = settings;
                RequestStop();
            });
        });
    }
}
