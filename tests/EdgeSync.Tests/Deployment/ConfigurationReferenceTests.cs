using System.Reflection;
using System.Text.RegularExpressions;
using EdgeSync.Api;
using EdgeSync.Fleets;
using EdgeSync.Lineages;
using EdgeSync.Silo.Hosting;
using EdgeSync.Silo.Mqtt.External;
using EdgeSync.Uploads;

namespace EdgeSync.Tests.Deployment;

/// <summary>docs/configuration.md lists every configuration key the node reads.</summary>
[Trait("Category", "Fast")]
public sealed partial class ConfigurationReferenceTests
{
    // The options classes bound to a section, each settable property a key.
    private static readonly (string Section, Type Options)[] BoundSections =
    [
        ("Api", typeof(ApiOptions)), ("Mqtt", typeof(MqttOptions)), ("Mqtt:External", typeof(ExternalBrokerOptions)),
        ("Orleans", typeof(OrleansNodeOptions)), ("Lineages", typeof(LineageOptions)), ("Fleets", typeof(FleetOptions)),
        ("Uploads", typeof(UploadOptions)),
    ];

    [Fact]
    public void Every_key_of_a_bound_options_class_is_in_the_configuration_reference()
    {
        var documented = DocumentedKeys();
        var missing = BoundSections
            .SelectMany(s => s.Options.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.SetMethod is { IsPublic: true })
                .Select(p => $"{s.Section}:{p.Name}"))
            .Where(key => !documented.Contains(key))
            .ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void Every_key_the_node_reads_by_name_is_in_the_configuration_reference()
    {
        var documented = DocumentedKeys();
        var read = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var project in new[] { "Silo", "Api", "Grains" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), "src", project), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            {
                var text = File.ReadAllText(file);
                foreach (Match m in KeyRead().Matches(text))
                    read.Add(m.Groups["key"].Value);
                foreach (Match m in ConnectionStringRead().Matches(text))
                    read.Add("ConnectionStrings:" + m.Groups["name"].Value);
            }
        }
        Assert.NotEmpty(read);
        var missing = read.Where(key => !documented.Contains(key)).ToList();
        Assert.Empty(missing);
    }

    /// <summary>Every <c>`Key:Name`</c> in the first column of the reference's tables.</summary>
    private static HashSet<string> DocumentedKeys() =>
        DocumentedKey().Matches(File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "configuration.md")))
            .Select(m => m.Groups["key"].Value).ToHashSet(StringComparer.Ordinal);

    [GeneratedRegex(@"^\| `(?<key>[^`]+)` \|", RegexOptions.Multiline)]
    private static partial Regex DocumentedKey();

    // GetValue("A:B", …), GetValue<T>("A:B"), configuration["A:B"]: a key with at least one colon.
    [GeneratedRegex(@"(?:GetValue(?:<[^>()]+>)?\(|configuration\[)""(?<key>[A-Za-z]+(?::[A-Za-z]+)+)""")]
    private static partial Regex KeyRead();

    [GeneratedRegex(@"GetConnectionString\(""(?<name>\w+)""\)")]
    private static partial Regex ConnectionStringRead();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EdgeSync.sln")))
                return dir.FullName;
        throw new InvalidOperationException("EdgeSync.sln not found above the test assembly");
    }
}
