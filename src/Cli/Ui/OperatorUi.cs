using System.CommandLine;
using EdgeSync.Cli.Api;
using EdgeSync.Cli.Commands;
using Terminal.Gui.App;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// The interactive terminal UI (<c>edgesync</c> or <c>edgesync ui</c>): Terminal.Gui over the same
/// HTTP client as the subcommands. Logs in first when no token or project is known.
/// </summary>
public static class OperatorUi
{
    public static Task<int> RunAsync(CliHost host, ParseResult parse, CancellationToken ct)
    {
        if (!host.Interactive)
        {
            host.Error.WriteLine("error: the terminal UI needs a terminal; from scripts use the subcommands (edgesync --help)");
            return Task.FromResult(CliExitCodes.UsageError);
        }
        return Task.FromResult(Run(host, parse, ct));
    }

    private static int Run(CliHost host, ParseResult parse, CancellationToken ct)
    {
        var settings = host.Resolve(parse);
        // The UI's own process output would corrupt the screen: failures are shown in it, then returned.
        using var app = Application.Create().Init();
        if (settings.Token is null || settings.ProjectId is null)
        {
            if (LoginDialog.Ask(app, settings) is not { } verified)
                return CliExitCodes.UsageError;
            host.Store.Save(host.Store.Load() with { ApiUrl = verified.ApiUrl, Token = verified.Token, ProjectId = verified.ProjectId });
            settings = verified;
        }

        using var client = host.Client(settings);
        var session = new UiSession(app, new ProjectApi(client, settings.ProjectId!.Value));
        using var main = new MainWindow(session, settings.ApiUrl!);
        using var stop = ct.Register(() => app.Invoke(() => app.RequestStop()));
        app.Run(main, session.OnUnexpected);
        return CliExitCodes.Ok;
    }
}
