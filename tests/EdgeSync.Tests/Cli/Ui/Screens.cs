namespace EdgeSync.Tests.Cli.Ui;

/// <summary>Captured screens kept for people (the closing note): TestResults/screens/*.txt at the repository root.</summary>
public static class Screens
{
    public static string Save(string name, string screen)
    {
        var directory = Path.Combine(RepositoryRoot(), "TestResults", "screens");
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{name}.txt");
        File.WriteAllText(path, screen);
        return path;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "EdgeSync.sln")))
                return directory.FullName;
        return Directory.GetCurrentDirectory();
    }
}
