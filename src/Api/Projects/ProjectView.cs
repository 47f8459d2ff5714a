using EdgeSync.Registry;

namespace EdgeSync.Api.Projects;

/// <summary>A project as the API shows it, with its edge policy.</summary>
public sealed record ProjectView(Guid Id, string Name, string TopicSlug, EdgePolicy Policy, DateTimeOffset CreatedAt)
{
    public static ProjectView From(Project project)
        => new(project.Id, project.Name, project.TopicSlug, project.Policy, project.CreatedAt);
}
