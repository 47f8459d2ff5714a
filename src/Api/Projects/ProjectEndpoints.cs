using EdgeSync.Api.Auth;
using EdgeSync.Api.Http;
using EdgeSync.Api.Idempotency;
using EdgeSync.Registry;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace EdgeSync.Api.Projects;

internal static class ProjectEndpoints
{
    public static RouteGroupBuilder MapProjectEndpoints(this RouteGroupBuilder api)
    {
        var projects = api.MapGroup("/projects").WithTags("Projects");

        projects.MapPost("", CreateAsync)
            .RequirePlatformAdmin()
            .WithIdempotency()
            .WithName("createProject")
            .WithSummary("Create a project")
            .WithDescription("Creates a project with the default edge policy. `topic_slug` is unique; \"\" (at most one project) means devices publish under `/{device_name}`.");

        projects.MapGet($"/{{{ProjectRoute.ParameterName}:guid}}", GetAsync)
            .RequireProjectPermission(ProjectPermission.View)
            .WithName("getProject")
            .WithSummary("Get a project and its edge policy");

        return api;
    }

    private static async Task<Results<Created<ApiEnvelope<ProjectView>>, ProblemHttpResult>> CreateAsync(
        CreateProjectRequest body, IDocumentSession session, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var slug = body.TopicSlug!;
        if (await session.Query<Project>().AnyAsync(p => p.TopicSlug == slug, cancellationToken))
            return SlugTaken(slug);

        var project = new Project
        {
            Id = Guid.CreateVersion7(),
            Name = body.Name!.Trim(),
            TopicSlug = slug,
            Policy = new EdgePolicy(),
            CreatedAt = clock.GetUtcNow(),
        };
        session.Insert(project);
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception e) when (UniqueViolation.Is(e))
        {
            return SlugTaken(slug);
        }
        return ApiResponse.Created(ApiRoutes.Url(http, $"/projects/{project.Id}"), ProjectView.From(project));
    }

    private static async Task<Results<Ok<ApiEnvelope<ProjectView>>, ProblemHttpResult>> GetAsync(
        [FromRoute(Name = ProjectRoute.ParameterName)] Guid projectId, IQuerySession session, CancellationToken cancellationToken)
    {
        var project = await session.LoadAsync<Project>(projectId, cancellationToken);
        return project is null
            ? ApiProblem.NotFound(ProblemCodes.ProjectNotFound, $"Project {projectId} does not exist.")
            : ApiResponse.Ok(ProjectView.From(project));
    }

    private static ProblemHttpResult SlugTaken(string slug)
        => ApiProblem.Conflict(ProblemCodes.TopicSlugTaken, slug.Length == 0
            ? "Another project already uses the empty topic slug."
            : $"Another project already uses the topic slug '{slug}'.");
}
