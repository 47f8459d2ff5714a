using System.Globalization;
using EdgeSync.Api.Auth;
using EdgeSync.Api.Edge;
using EdgeSync.Api.Http;
using EdgeSync.Registry;
using Marten;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace EdgeSync.Api.Board;

/// <summary>
/// The live lineage board at <c>/board</c>: one static page, its script and style sheet, and two
/// helpers the page needs beyond the API (who is signed in with which projects, and a change feed
/// of every lineage event). Everything else the page reads and does goes through the API.
/// Operational routes: not in the OpenAPI document.
/// </summary>
public static class BoardEndpoints
{
    public const string Path = "/board";

    public static IEndpointRouteBuilder MapBoard(this IEndpointRouteBuilder app)
    {
        app.MapGet(Path, PageAsync).RequireAuthorization().ExcludeFromDescription();
        app.MapGet($"{Path}/assets/{{name}}", Asset).AllowAnonymous().ExcludeFromDescription();
        app.MapGet($"{Path}/api/session", SessionAsync).RequireAuthorization().ExcludeFromDescription();
        app.MapGet($"{Path}/api/projects/{{{ProjectRoute.ParameterName}:guid}}/changes", Changes)
            .RequireProjectPermission(ProjectPermission.View).ExcludeFromDescription();
        return app;
    }

    private static async Task PageAsync(HttpContext http)
    {
        BrowserPages.ApplySecurityHeaders(http.Response);
        http.Response.ContentType = "text/html; charset=utf-8";
        var page = BoardAssets.Page(http.Request.PathBase);
        await http.Response.WriteAsync(page, http.RequestAborted);
    }

    private static IResult Asset(string name, HttpContext http)
    {
        if (BoardAssets.Find(name) is not { } asset)
            return ApiProblem.NotFound(ProblemCodes.NotFound, "No such board asset.");
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.CacheControl = "no-cache";
        return Results.Bytes(asset.Content, asset.ContentType);
    }

    /// <summary>
    /// The signed-in caller, the projects it may view (every project for a platform administrator)
    /// and an anti-forgery token for the board's state-changing calls.
    /// </summary>
    private static async Task<IResult> SessionAsync(HttpContext http, IQuerySession session, IAntiforgery antiforgery, CancellationToken ct)
    {
        var user = http.User;
        var admin = user.IsPlatformAdmin();
        List<Project> projects;
        if (admin)
        {
            projects = (await session.Query<Project>().OrderBy(p => p.Name).Take(BoardSession.MaxProjects).ToListAsync(ct)).ToList();
        }
        else
        {
            var granted = user.FindAll(Grants.ClaimType)
                .Select(c => Grants.TryParse(c.Value, out var id, out _) ? id : Guid.Empty)
                .Where(id => id != Guid.Empty).Distinct().Take(BoardSession.MaxProjects).ToArray();
            projects = granted.Length == 0 ? [] : (await session.LoadManyAsync<Project>(ct, granted)).OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        }
        var tokens = antiforgery.GetAndStoreTokens(http);
        http.Response.Headers.CacheControl = "no-store";
        return ApiResponse.Ok(new BoardSession(
            user.GetSubject(), admin, BrowserSignIn.IsCookieSession(http), tokens.RequestToken ?? "", BrowserSignIn.AntiforgeryHeader,
            projects.Select(p => new BoardProject(p.Id, p.Name, p.TopicSlug, user.HasProjectPermission(p.Id, ProjectPermission.Manage))).ToList()));
    }

    /// <summary>Every event of the project's lineages as it is appended (the board refreshes the lineage it names).</summary>
    private static IResult Changes(
        [FromRoute(Name = ProjectRoute.ParameterName)] Guid projectId, [FromQuery(Name = "after")] long? after,
        [FromHeader(Name = EventStreamEndpoints.LastEventIdHeader)] string? lastEventId)
    {
        if (after is < 0)
            return ApiProblem.Validation("after", "Must be 0 or greater.");
        if (string.IsNullOrWhiteSpace(lastEventId))
            return new BoardChangeFeed(projectId, after);
        // A browser reconnecting says how far it got: that wins over ?after, as on the API's stream.
        return long.TryParse(lastEventId.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var resumed)
            ? new BoardChangeFeed(projectId, resumed)
            : ApiProblem.Validation(EventStreamEndpoints.LastEventIdHeader, "Must be the id of an event of this stream (a non-negative integer).");
    }
}
