using System.Net;
using EdgeSync.Api.Auth;
using EdgeSync.Api.Board;
using EdgeSync.Api.Devices;
using EdgeSync.Api.Edge;
using EdgeSync.Api.Http;
using EdgeSync.Api.Idempotency;
using EdgeSync.Api.OpenApi;
using EdgeSync.Api.Projects;
using EdgeSync.Api.RateLimiting;
using EdgeSync.Api.Uploads;
using EdgeSync.Registry;
using FluentValidation;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeSync.Api;

/// <summary>Registration and pipeline of the HTTP API (called by the silo host).</summary>
public static class ApiSetup
{
    /// <summary>
    /// JSON conventions, problem details, validators (assembly scan), JWT auth and permission
    /// policies, idempotency, OpenAPI. Needs Marten (<c>AddEdgeSyncStore</c>) for the endpoints.
    /// </summary>
    public static IServiceCollection AddEdgeSyncApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ApiOptions>(configuration.GetSection(ApiOptions.Section));
        services.TryAddSingleton(TimeProvider.System);

        services.ConfigureHttpJsonOptions(options => ApiJson.Configure(options.SerializerOptions));
        services.AddProblemDetails(options => options.CustomizeProblemDetails = ProblemDetailsSetup.Customize);
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Binding failures always throw, so BadRequestExceptionHandler reports them as
        // validation problems in every environment (instead of an empty 400).
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);

        ValidationNaming.UseSnakeCase();
        services.AddValidatorsFromAssembly(typeof(ApiSetup).Assembly, includeInternalTypes: true);

        services.AddEdgeSyncAuth(configuration);
        services.AddBrowserSignIn(configuration);
        services.AddEdgeSyncRateLimits(configuration);

        services.TryAddSingleton<IBrokerAccounts, RegistryOnlyAccounts>();
        services.TryAddSingleton<IdempotencyStore>();
        services.TryAddSingleton<IDevicePresence, RecordedPresence>();
        services.AddHostedService<IdempotencyCleanup>();
        services.AddApiDocuments();

        services.AddEdgeSyncOpenApi();
        return services;
    }

    /// <summary>
    /// Forwarded headers, path base (<c>Api:PathBase</c>), exception handler → problem details,
    /// status code pages, routing, authentication, authorization. Call before mapping endpoints.
    /// </summary>
    public static WebApplication UseEdgeSyncApi(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value;

        app.UseForwardedHeaders(ForwardedHeaders(options));

        var pathBase = NormalizePathBase(options.PathBase);
        if (pathBase.HasValue)
            app.UsePathBase(pathBase);

        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();

        // Explicit, so routing sees the path after UsePathBase.
        app.UseRouting();
        app.UseAuthentication();
        app.UseEdgeSyncRateLimits();
        app.UseBrowserAntiforgery();
        app.UseAuthorization();
        return app;
    }

    /// <summary>The OpenAPI document at <c>/openapi/v1.json</c> and the projects/devices endpoints.</summary>
    public static IEndpointRouteBuilder MapEdgeSyncApi(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi().AllowAnonymous();

        app.MapApiGroup()
            .MapProjectEndpoints()
            .MapDeviceEndpoints();
        app.MapEdgeEndpoints();
        app.MapUploadEndpoints();
        app.MapBrowserSignIn();
        app.MapBoard();
        return app;
    }

    /// <summary>
    /// A route group at <c>/core/api/v1</c> with the API conventions: authenticated callers only
    /// (401 otherwise), request validation (<see cref="RequestValidation.WithValidation{TBuilder}"/>),
    /// and the common problem responses in OpenAPI.
    /// </summary>
    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder app)
        => app.MapGroup(ApiRoutes.BasePath)
            .RequireAuthorization()
            .WithValidation()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    /// <summary>
    /// A route group at <c>/core/api/v1/projects/{project_id}{suffix}</c> requiring at least
    /// View on the project (and its existence: 404 <c>project_not_found</c>); add
    /// <c>.RequireProjectPermission(ProjectPermission.Manage)</c> on mutating endpoints.
    /// </summary>
    public static RouteGroupBuilder MapProjectGroup(this IEndpointRouteBuilder app, string suffix = "")
        => app.MapApiGroup()
            .MapGroup($"/projects/{{{ProjectRoute.ParameterName}:guid}}{suffix}")
            .RequireProjectPermission(ProjectPermission.View);

    private static ForwardedHeadersOptions ForwardedHeaders(ApiOptions options)
    {
        var forwarded = new ForwardedHeadersOptions
        {
            ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor
                               | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto
                               | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedHost
                               | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedPrefix,
            ForwardLimit = options.ForwardLimit > 0 ? options.ForwardLimit : 1,
        };
        if (options.TrustAllProxies)
        {
            // Any address may forward: only safe when nothing but the gateway reaches the silo.
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
            return forwarded;
        }
        foreach (var proxy in options.KnownProxies)
            forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
        foreach (var network in options.KnownNetworks)
            forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        return forwarded;
    }

    private static PathString NormalizePathBase(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            return PathString.Empty;
        var trimmed = "/" + value.Trim().Trim('/');
        return trimmed == "/" ? PathString.Empty : new PathString(trimmed);
    }
}
