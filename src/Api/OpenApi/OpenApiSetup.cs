using EdgeSync.Api.Auth;
using EdgeSync.Api.Http;
using EdgeSync.Api.Idempotency;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace EdgeSync.Api.OpenApi;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>): bearer security scheme, the grant each
/// operation needs, paging and Idempotency-Key parameters.
/// </summary>
internal static class OpenApiSetup
{
    public const string BearerScheme = "Bearer";

    public static IServiceCollection AddEdgeSyncOpenApi(this IServiceCollection services)
        => services.AddOpenApi(options =>
        {
            // Only the API: the dashboard, probes, metrics and other operational routes stay out
            // of the document generated clients are built from.
            options.ShouldInclude = description =>
                description.RelativePath?.StartsWith(ApiRoutes.BasePath.TrimStart('/') + "/", StringComparison.Ordinal) == true
                && (description.GroupName is null || description.GroupName == options.DocumentName);
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "EdgeSync API";
                document.Info.Description = "Operator and integration API of EdgeSync. Successful responses are "
                    + "{ ok: 1, data, meta }; errors are RFC 9457 problem details with a stable `code`.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "JWT from the configured identity provider (RS256/ES256) or signed with the HS256 key; "
                        + "the `permissions` claim lists `{project_id}:{PERMISSION}` grants or `PLATFORM_ADMIN`.",
                };
                return Task.CompletedTask;
            });
            // Every problem carries the stable `code` (and trace_id; errors for validation_failed):
            // generated clients can switch on it.
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (context.JsonTypeInfo.Type != typeof(Microsoft.AspNetCore.Mvc.ProblemDetails))
                    return Task.CompletedTask;
                schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
                schema.Properties[ApiProblem.CodeKey] = new OpenApiSchema
                {
                    Type = JsonSchemaType.String,
                    Description = "Stable machine-readable code, e.g. validation_failed, lineage_not_found, rate_limited.",
                };
                schema.Properties["trace_id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Quote it when reporting a problem." };
                schema.Properties["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "validation_failed: every failing field (snake_case path) with its messages.",
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
                };
                schema.Required ??= new HashSet<string>();
                schema.Required.Add(ApiProblem.CodeKey);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                var secured = metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any();
                if (secured)
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement
                    {
                        [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [],
                    });
                }

                var grants = metadata.OfType<RequiredGrantMetadata>().Select(g => g.Grant).Distinct().ToList();
                if (grants.Count > 0)
                {
                    var required = grants.Contains(Grants.PlatformAdmin) ? [Grants.PlatformAdmin]
                        : grants.Contains(Grants.ManageDevices) ? [Grants.ManageDevices] : grants;
                    var line = $"Requires {string.Join(" and ", required)}" + (required.Contains(Grants.PlatformAdmin) ? "." : " on the project (or PLATFORM_ADMIN).");
                    operation.Description = string.IsNullOrEmpty(operation.Description) ? line : $"{operation.Description}\n\n{line}";
                }

                if (metadata.OfType<PagingMetadata>().Any())
                {
                    operation.Parameters ??= [];
                    foreach (var name in new[] { "page", "limit" })
                    {
                        var existing = operation.Parameters.FirstOrDefault(p => p.Name == name && p.In == ParameterLocation.Query);
                        if (existing is not null)
                            operation.Parameters.Remove(existing);
                    }
                    operation.Parameters.Add(QueryInteger("page", "Page number, from 1.", 1, 1, null));
                    operation.Parameters.Add(QueryInteger("limit", $"Items per page (at most {Paging.MaxLimit}).", Paging.DefaultLimit, 1, Paging.MaxLimit));
                }

                if (metadata.OfType<IdempotencyMetadata>().LastOrDefault() is { } idempotency)
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = IdempotencyFilter.HeaderName,
                        In = ParameterLocation.Header,
                        Required = idempotency.Required,
                        Description = "Replays the stored response for a repeated request; 422 idempotency_key_reused for a different request with the same key. Kept at least 24 h per caller and project.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = IdempotencyFilter.MaxKeyLength },
                    });
                }
                return Task.CompletedTask;
            });
        });

    private static OpenApiParameter QueryInteger(string name, string description, int @default, int minimum, int? maximum) => new()
    {
        Name = name,
        In = ParameterLocation.Query,
        Required = false,
        Description = description,
        Schema = new OpenApiSchema
        {
            Type = JsonSchemaType.Integer,
            Format = "int32",
            Default = System.Text.Json.Nodes.JsonValue.Create(@default),
            Minimum = minimum.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Maximum = maximum?.ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    };
}
