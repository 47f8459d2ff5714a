using EdgeSync.Cli.Api;
using EdgeSync.Escaping;
using Terminal.Gui.App;
using Terminal.Gui.Views;

namespace EdgeSync.Cli.Ui;

/// <summary>
/// What every screen of the terminal UI shares: the running application, the project's API, and the
/// one way API calls are made — off the UI thread, with the result (or the operator-readable error)
/// brought back onto it, so that a slow or failing API never freezes or crashes the UI.
/// </summary>
public sealed class UiSession(IApplication app, ProjectApi api)
{
    public IApplication App => app;
    public ProjectApi Api => api;

    /// <summary>Set by <c>q</c> anywhere: every nested screen stops on its way back to the main window.</summary>
    public bool QuitRequested { get; private set; }

    /// <summary>Each user action gets its own key, so a retried request is answered from the API's store, never applied twice.</summary>
    public static string NewIdempotencyKey() => Guid.NewGuid().ToString();

    public void RequestQuit()
    {
        QuitRequested = true;
        app.RequestStop();
    }

    /// <summary>Runs a screen modally on top of the current one (Esc returns); disposes it afterwards.</summary>
    public void Show(Runnable screen)
    {
        try
        {
            app.Run(screen, OnUnexpected);
        }
        finally
        {
            screen.Dispose();
        }
        // The screen below stops too when the operator pressed q: the UI closes in one key press.
        if (QuitRequested)
            app.RequestStop();
    }

    /// <summary>A bug in a handler must not take the operator's terminal down: show it and keep running.</summary>
    public bool OnUnexpected(Exception e)
    {
        ShowError(null, $"unexpected error: {e.Message}");
        return true;
    }

    /// <summary>
    /// Calls the API on the thread pool and hands the answer to <paramref name="done"/> on the UI thread.
    /// Failures become an error box and a status line, unless <paramref name="failed"/> takes them.
    /// Nothing is delivered once <paramref name="alive"/> is cancelled (the screen was closed meanwhile).
    /// </summary>
    public void Call<T>(StatusLine? status, string busy, Func<CancellationToken, Task<T>> call, Action<T> done,
        Func<CliException, bool>? failed = null, CancellationToken alive = default)
    {
        status?.Busy(busy);
        _ = Task.Run(async () =>
        {
            try
            {
                var result = await call(alive).ConfigureAwait(false);
                OnUi(alive, () =>
                {
                    status?.Clear();
                    done(result);
                }, status);
            }
            catch (OperationCanceledException) when (alive.IsCancellationRequested)
            {
            }
            catch (CliException e)
            {
                OnUi(alive, () =>
                {
                    status?.Clear();
                    if (failed?.Invoke(e) != true)
                        ShowError(status, e.Message);
                }, status);
            }
            catch (Exception e)
            {
                OnUi(alive, () => ShowError(status, $"unexpected error: {e.Message}"), status);
            }
        }, CancellationToken.None);
    }

    private void OnUi(CancellationToken alive, Action action, StatusLine? status) => app.Invoke(() =>
    {
        if (alive.IsCancellationRequested)
            return;
        try
        {
            action();
        }
        catch (Exception e)
        {
            ShowError(status, $"unexpected error: {e.Message}");
        }
    });

    /// <summary>The API's message as is (401/403/404/409/unreachable already read well), in a box the operator dismisses.</summary>
    public void ShowError(StatusLine? status, string message)
    {
        status?.Error(message);
        MessageBox.ErrorQuery(app, "Error", SafeText.EscapeLines(message), true, "OK");
    }

    public void ShowInfo(string title, string message) => MessageBox.Query(app, SafeText.Escape(title), SafeText.EscapeLines(message), true, "OK");
}
