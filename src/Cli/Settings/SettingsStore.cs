using System.Text.Json;

namespace EdgeSync.Cli.Settings;

/// <summary>
/// The settings file, <c>$EDGESYNC_CONFIG_DIR/config.json</c> (default: <c>$XDG_CONFIG_HOME/edgesync</c>,
/// then <c>~/.config/edgesync</c>). It holds a bearer token, so the folder is created 0700 and the file 0600.
/// </summary>
public sealed class SettingsStore(string directory)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public string FilePath { get; } = Path.Combine(directory, "config.json");

    public static string DefaultDirectory(Func<string, string?> environment)
    {
        if (environment("EDGESYNC_CONFIG_DIR") is { Length: > 0 } explicitDirectory)
            return explicitDirectory;
        var configHome = environment("XDG_CONFIG_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(configHome, "edgesync");
    }

    public CliSettings Load()
    {
        if (!File.Exists(FilePath))
            return new CliSettings();
        try
        {
            return JsonSerializer.Deserialize<CliSettings>(File.ReadAllText(FilePath)) ?? new CliSettings();
        }
        catch (JsonException e)
        {
            throw new CliException($"the settings file {FilePath} is not valid JSON ({e.Message}); fix or delete it and log in again");
        }
    }

    public void Save(CliSettings settings)
    {
        if (!OperatingSystem.IsWindows())
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        else
            Directory.CreateDirectory(directory);

        // Written next to the target and renamed over it, so a crash never leaves half a file; the
        // temporary file is created 0600, so the token is never readable by others, not even briefly.
        var temporary = FilePath + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
            JsonSerializer.Serialize(stream, settings, Json);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, FilePath, overwrite: true);
    }
}
