using System.Text.RegularExpressions;

namespace EdgeSync.Tests.Architecture;

/// <summary>The folders of src/Grains depend on each other in one direction only.</summary>
[Trait("Category", "Fast")]
public sealed partial class FolderDependencyTests
{
    // Each folder may use the folders before it, never one after it.
    private static readonly string[] Layers = ["Registry", "Telemetry", "Storage", "Uploads", "Mirrors", "Lineages", "Fleets"];

    [Fact]
    public void Each_folder_of_the_grains_uses_only_the_folders_below_it()
    {
        var grains = Path.Combine(RepositoryRoot(), "src", "Grains");
        var violations = new List<string>();
        for (var layer = 0; layer < Layers.Length; layer++)
        {
            var above = Layers[(layer + 1)..];
            foreach (var file in Directory.EnumerateFiles(Path.Combine(grains, Layers[layer]), "*.cs"))
            {
                foreach (Match used in UsedNamespace().Matches(File.ReadAllText(file)))
                {
                    if (above.Contains(used.Groups[1].Value))
                        violations.Add($"{Layers[layer]}/{Path.GetFileName(file)} uses {used.Groups[1].Value}");
                }
            }
        }
        Assert.Empty(violations);
    }

    [GeneratedRegex(@"\bEdgeSync\.(\w+)\b")]
    private static partial Regex UsedNamespace();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EdgeSync.sln")))
                return dir.FullName;
        throw new InvalidOperationException("EdgeSync.sln not found above the test assembly");
    }
}
