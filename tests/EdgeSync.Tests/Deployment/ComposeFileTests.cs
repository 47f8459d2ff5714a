using YamlDotNet.RepresentationModel;

namespace EdgeSync.Tests.Deployment;

/// <summary>
/// deploy/compose.yaml wires what docs/deployment.md promises: migrations once with the privileged
/// role, nodes without DDL rights that start only after them, non-root, health-checked by the
/// node's own healthcheck command, devices on Mosquitto.
/// </summary>
[Trait("Category", "Fast")]
public sealed class ComposeFileTests
{
    private static readonly string[] Nodes = ["node1", "node2", "node3"];
    private const string RuntimeRole = "Username=edgesync_runtime";

    private static readonly YamlMappingNode Services = Load();

    [Fact]
    public void The_compose_file_has_PostgreSQL_15_Mosquitto_2_a_migrate_service_and_three_nodes()
    {
        var names = Services.Children.Keys.Select(k => ((YamlScalarNode)k).Value).ToHashSet();
        Assert.Superset(new HashSet<string?> { "postgres", "mosquitto", "mosquitto-setup", "migrate", "node1", "node2", "node3" }, names);
        Assert.Equal("postgres:15", Scalar(Service("postgres"), "image"));
        Assert.Equal("eclipse-mosquitto:2", Scalar(Service("mosquitto"), "image"));
        Assert.All(Nodes.Append("migrate"), n => Assert.StartsWith("edgesync:", Scalar(Service(n), "image")));
    }

    [Fact]
    public void Migrate_runs_once_with_the_privileged_role_and_grants_the_runtime_role()
    {
        var migrate = Service("migrate");
        Assert.Equal(["migrate", "--grant-runtime-role", "edgesync_runtime"], Sequence(migrate, "command"));
        Assert.Equal("no", Scalar(migrate, "restart"));
        Assert.Contains("Username=postgres", Env(migrate)["ConnectionStrings__EdgeSync"]);
        Assert.Equal("service_healthy", Scalar(Map(Map(migrate, "depends_on"), "postgres"), "condition"));
    }

    [Fact]
    public void Nodes_run_as_the_runtime_role_without_migrations_only_after_migrate_completed()
    {
        Assert.All(Nodes, name =>
        {
            var node = Service(name);
            var env = Env(node);
            Assert.Contains(RuntimeRole, env["ConnectionStrings__EdgeSync"]);
            Assert.Equal("false", env["Database__ApplyMigrations"]);
            var dependsOn = Map(node, "depends_on");
            Assert.Equal("service_completed_successfully", Scalar(Map(dependsOn, "migrate"), "condition"));
            Assert.Equal("service_completed_successfully", Scalar(Map(dependsOn, "mosquitto-setup"), "condition"));
            Assert.Equal("service_healthy", Scalar(Map(dependsOn, "postgres"), "condition"));
            Assert.Equal("service_healthy", Scalar(Map(dependsOn, "mosquitto"), "condition"));
        });
    }

    [Fact]
    public void Nodes_are_health_checked_by_the_healthcheck_command_and_run_as_a_non_root_user()
    {
        Assert.All(Nodes.Append("migrate"), name =>
        {
            var user = Scalar(Service(name), "user");
            Assert.False(string.IsNullOrEmpty(user));
            Assert.DoesNotContain(user.Split(':')[0], new[] { "root", "0" });
        });
        Assert.All(Nodes, name =>
        {
            var test = Sequence(Map(Service(name), "healthcheck"), "test");
            Assert.Equal(["CMD", "dotnet", "/app/EdgeSync.Silo.dll", "healthcheck", "ready"], test);
        });
    }

    [Fact]
    public void Nodes_consume_from_Mosquitto_in_external_mode_each_with_its_own_name_and_advertised_address()
    {
        var envs = Nodes.Select(n => Env(Service(n))).ToList();
        Assert.All(envs, env =>
        {
            Assert.Equal("external", env["Mqtt__Mode"]);
            Assert.Equal("mqtt://mosquitto:1883", env["Mqtt__External__Url"]);
            Assert.Equal("edgesync-node", env["Mqtt__External__Username"]);
        });
        Assert.Equal(3, envs.Select(e => e["Node__Name"]).Distinct().Count());
        Assert.Equal(3, envs.Select(e => e["Orleans__AdvertisedAddress"]).Distinct().Count());
        Assert.All(Nodes, name => Assert.Equal(Env(Service(name))["Orleans__AdvertisedAddress"],
            Scalar(Map(Map(Service(name), "networks"), "edgesync"), "ipv4_address")));
    }

    private static YamlMappingNode Load()
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(RepositoryRoot(), "deploy", "compose.yaml"));
        stream.Load(reader);
        return Map((YamlMappingNode)stream.Documents[0].RootNode, "services");
    }

    private static YamlMappingNode Service(string name) => Map(Services, name);

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[new YamlScalarNode(key)];

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value!;

    private static List<string> Sequence(YamlMappingNode node, string key) =>
        ((YamlSequenceNode)node.Children[new YamlScalarNode(key)]).Children.Select(c => ((YamlScalarNode)c).Value!).ToList();

    private static Dictionary<string, string> Env(YamlMappingNode service) =>
        Map(service, "environment").Children.ToDictionary(e => ((YamlScalarNode)e.Key).Value!, e => ((YamlScalarNode)e.Value).Value!);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "EdgeSync.sln")))
                return dir.FullName;
        throw new InvalidOperationException("EdgeSync.sln not found above the test assembly");
    }
}
