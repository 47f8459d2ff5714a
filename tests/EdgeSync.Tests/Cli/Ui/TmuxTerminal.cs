using System.Diagnostics;

namespace EdgeSync.Tests.Cli.Ui;

/// <summary>
/// A real terminal for the interactive UI: a detached tmux session (160x45) on a private tmux socket,
/// driven with send-keys and read with capture-pane. Every wait polls the screen for what the operator
/// would see, with a deadline — never a fixed sleep.
/// </summary>
public sealed class TmuxTerminal : IDisposable
{
    public const int Columns = 160;
    public const int Rows = 45;
    private const string Session = "ui";

    // A socket of our own: the test never touches a developer's tmux server, and disposing kills only ours.
    private readonly string _socket = $"edgesync-ui-{Guid.NewGuid():N}"[..24];

    private TmuxTerminal()
    {
    }

    /// <summary>Starts <paramref name="command"/> in a new terminal with the given environment.</summary>
    public static TmuxTerminal Start(IReadOnlyDictionary<string, string> environment, params string[] command)
    {
        if (!Tmux.IsInstalled)
            throw new InvalidOperationException("tmux is not installed; scripts/test.sh installs it (apt-get install tmux)");
        var terminal = new TmuxTerminal();
        var args = new List<string> { "new-session", "-d", "-s", Session, "-x", Columns.ToString(), "-y", Rows.ToString() };
        foreach (var (name, value) in environment)
            args.AddRange(["-e", $"{name}={value}"]);
        // The shell keeps the pane open after the program ends, so a crash leaves its output on the screen.
        args.AddRange(["sh", "-c", "\"$@\"; echo \"[exited with $?]\"; sleep 3600", "sh", .. command]);
        terminal.Run(args);
        return terminal;
    }

    /// <summary>Keys by tmux name: "Enter", "Escape", "Down", "Tab", "Space", or single characters such as "d".</summary>
    public void Press(params string[] keys) => Run(["send-keys", "-t", Session, .. keys]);

    /// <summary>Text typed as is (no key-name lookup).</summary>
    public void Type(string text) => Run(["send-keys", "-t", Session, "-l", text]);

    public string Screen() => Run(["capture-pane", "-p", "-t", Session]);

    public async Task<string> WaitForAsync(string text, TimeSpan? timeout = null) =>
        await WaitUntilAsync(screen => screen.Contains(text, StringComparison.Ordinal), $"'{text}' on the screen", timeout);

    public async Task<string> WaitUntilAsync(Func<string, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(45));
        var previous = "";
        while (true)
        {
            var screen = Screen();
            // A screen that is still being drawn can show the awaited text before the rest of it:
            // it counts once two captures in a row are the same.
            if (done(screen) && screen == previous)
                return screen;
            previous = screen;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"timed out waiting for {what}; the screen was:\n{screen}");
            await Task.Delay(100);
        }
    }

    private string Run(IEnumerable<string> args) => Tmux.Run(["-L", _socket, .. args]);

    public void Dispose()
    {
        try
        {
            Tmux.Run(["-L", _socket, "kill-server"]);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static class Tmux
    {
        public static bool IsInstalled { get; } = Probe();

        private static bool Probe()
        {
            try
            {
                Run(["-V"]);
                return true;
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }

        public static string Run(IEnumerable<string> args)
        {
            var start = new ProcessStartInfo("tmux") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in args)
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("tmux did not start");
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEnd();
            if (!process.WaitForExit(30_000))
            {
                process.Kill(entireProcessTree: true);
                throw new InvalidOperationException($"tmux {string.Join(' ', start.ArgumentList)} did not finish");
            }
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"tmux {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}): {error}");
            return output.Result;
        }
    }
}
