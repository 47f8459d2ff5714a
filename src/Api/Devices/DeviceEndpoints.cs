using EdgeSync.Api.Auth;
using EdgeSync.Api.Http;
using EdgeSync.Api.Idempotency;
using EdgeSync.Registry;
using Marten;
using Marten.Patching;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace EdgeSync.Api.Devices;

internal static class DeviceEndpoints
{
    public const string DeviceIdParameter = "device_id";

    public static RouteGroupBuilder MapDeviceEndpoints(this RouteGroupBuilder api)
    {
        var devices = api.MapGroup($"/projects/{{{ProjectRoute.ParameterName}:guid}}/devices")
            .RequireProjectPermission(ProjectPermission.View)
            .WithTags("Devices");

        devices.MapPost("", CreateAsync)
            .RequireProjectPermission(ProjectPermission.Manage)
            .WithIdempotency(secretFields: SecretField)
            .WithName("createDevice")
            .WithSummary("Register a device")
            .WithDescription("Returns the device with its MQTT username, topic root and `secret` (its MQTT password). The secret is shown only in this response: " +
                             "a replay of the same Idempotency-Key answers with `secret: null` (rotate the secret to get a new one).");

        devices.MapGet("", ListAsync)
            .WithName("listDevices")
            .WithSummary("List the project's devices, ordered by name");

        devices.MapGet($"/{{{DeviceIdParameter}:guid}}", GetAsync)
            .WithName("getDevice")
            .WithSummary("Get a device, including whether it is connected and when it was last seen");

        devices.MapPost($"/{{{DeviceIdParameter}:guid}}/rotate-secret", RotateSecretAsync)
            .RequireProjectPermission(ProjectPermission.Manage)
            .WithIdempotency(secretFields: SecretField)
            .WithName("rotateDeviceSecret")
            .WithSummary("Issue a new device secret")
            .WithDescription("The new secret is shown only in this response (a replay of the same Idempotency-Key answers with `secret: null`); the previous one stops working.");

        devices.MapDelete($"/{{{DeviceIdParameter}:guid}}", DeleteAsync)
            .RequireProjectPermission(ProjectPermission.Manage)
            .WithIdempotency()
            .WithName("deleteDevice")
            .WithSummary("Remove a device")
            .WithDescription("The device can no longer connect and its connections are closed. Its lineages, mirrors and history stay.");

        return api;
    }

    /// <summary>Never stored with an idempotency record: a secret is shown once and rests nowhere in clear.</summary>
    private const string SecretField = "secret";

    private static async Task<Results<Created<ApiEnvelope<DeviceWithSecret>>, ProblemHttpResult>> CreateAsync(
        [FromRoute(Name = ProjectRoute.ParameterName)] Guid projectId, CreateDeviceRequest body,
        IDocumentSession session, IBrokerAccounts accounts, IDevicePresence presence, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var project = await session.LoadAsync<Project>(projectId, cancellationToken);
        if (project is null)
            return ApiProblem.NotFound(ProblemCodes.ProjectNotFound, $"Project {projectId} does not exist.");

        var name = body.Name!;
        if (await session.Query<Device>().AnyAsync(d => d.ProjectId == projectId && d.Name == name, cancellationToken))
            return NameTaken(name);

        var secret = DeviceSecret.Generate();
        var device = new Device
        {
            Id = Guid.CreateVersion7(),
            ProjectId = projectId,
            Name = name,
            TopicSlug = project.TopicSlug,
            SecretHash = DeviceSecret.Hash(secret),
            CreatedAt = clock.GetUtcNow(),
        };
        session.Insert(device);
        try
        {
            await session.SaveChangesAsync(cancellationToken);
        }
        catch (Exception e) when (UniqueViolation.Is(e))
        {
            return NameTaken(name);
        }
        try
        {
            await accounts.CreateAsync(device, secret, cancellationToken);
        }
        catch (BrokerAccountsUnavailableException e)
        {
            // A registered device that cannot log in would be worse than none: undo, and let the caller retry.
            session.Delete(device);
            await session.SaveChangesAsync(CancellationToken.None);
            return BrokerUnavailable(e);
        }
        return ApiResponse.Created(ApiRoutes.Url(http, $"/projects/{projectId}/devices/{device.Id}"), DeviceWithSecret.From(device, secret, presence));
    }

    private static async Task<Ok<ApiPage<DeviceView>>> ListAsync(
        [FromRoute(Name = ProjectRoute.ParameterName)] Guid projectId, Paging paging,
        IQuerySession session, IDevicePresence presence, CancellationToken cancellationToken)
    {
        var page = await session.Query<Device>()
            .Where(d => d.ProjectId == projectId)
            .OrderBy(d => d.Name).ThenBy(d => d.Id)
            .ToPageAsync(paging, cancellationToken);
        return ApiResponse.Page(page.Map(d => DeviceView.From(d, presence)), paging);
    }

    private static async Task<Results<Ok<ApiEnvelope<DeviceView>>, ProblemHttpResult>> GetAsync(
        [FromRoute(Name = ProjectRoute.ParameterName)] Guid projectId, [FromRoute(Name = DeviceIdParameter)] Guid deviceId,
        IQuerySession session, IDevicePresence presence, CancellationToken cancellationToken)
    {
        var device = await session.LoadAsync<Device>(deviceId, cancellationToken);
        return device is null || device.ProjectId != projectId
            ? DeviceNotFound(deviceId)
            : ApiResponse.Ok(DeviceView.From(device, presence));
    }

    private static async Task<Results<Ok<ApiEnvelope<DeviceWithSecret>>, ProblemHttpResult>> RotateSecretAsync(
        [FromRoute(Name = ProjectRoute.ParameterName)] Guid projectId, [FromRoute(Name = DeviceIdParameter)] Guid deviceId,
        IDocumentSession session, IBrokerAccounts accounts, IDevicePresence presence, TimeProvider clock, CancellationToken cancellationToken)
    {
        var device = await session.LoadAsync<Device>(deviceId, cancellationToken);
        if (device is null || device.ProjectId != projectId)
            return DeviceNotFound(deviceId);

        var secret = DeviceSecret.Generate();
        // The broker first: a rotation is often for a leaked secret, and whichever step fails, the old
        // one must not keep working where devices log in.
        try
        {
            await accounts.RotateSecretAsync(device, secret, cancellationToken);
        }
        catch (BrokerAccountsUnavailableException e)
        {
            return BrokerUnavailable(e);
        }
        device.SecretHash = DeviceSecret.Hash(secret);
        device.SecretRotatedAt = clock.GetUtcNow();
        // Patch only the secret fields so concurrent connection-state updates are not overwritten.
        session.Patch<Device>(deviceId)
            .Set(d => d.SecretHash, device.SecretHash)
            .Set(d => d.SecretRotatedAt, device.SecretRotatedAt);
        await session.SaveChangesAsync(cancellationToken);
        return ApiResponse.Ok(DeviceWithSecret.From(device, secret, presence));
    }

    private static async Task<Results<Ok<ApiEnvelope<DeletedDevice>>, ProblemHttpResult>> DeleteAsync(
        [FromRoute(Name = ProjectRoute.ParameterName)] Guid projectId, [FromRoute(Name = DeviceIdParameter)] Guid deviceId,
        IDocumentSession session, IBrokerAccounts accounts, CancellationToken cancellationToken)
    {
        var device = await session.LoadAsync<Device>(deviceId, cancellationToken);
        if (device is null || device.ProjectId != projectId)
            return DeviceNotFound(deviceId);

        // The broker first, as for a rotation: a device being removed must stop getting in.
        try
        {
            await accounts.DeleteAsync(device, cancellationToken);
        }
        catch (BrokerAccountsUnavailableException e)
        {
            return BrokerUnavailable(e);
        }
        session.Delete(device);
        await session.SaveChangesAsync(cancellationToken);
        return ApiResponse.Ok(new DeletedDevice(deviceId));
    }

    private static ProblemHttpResult BrokerUnavailable(BrokerAccountsUnavailableException e)
        => ApiProblem.Create(StatusCodes.Status503ServiceUnavailable, ProblemCodes.BrokerUnavailable,
            $"The MQTT broker did not take the device's account ({e.Message}); nothing was changed, try again.");

    private static ProblemHttpResult DeviceNotFound(Guid deviceId)
        => ApiProblem.NotFound(ProblemCodes.DeviceNotFound, $"Device {deviceId} does not exist in this project.");

    private static ProblemHttpResult NameTaken(string name)
        => ApiProblem.Conflict(ProblemCodes.DeviceNameTaken, $"The project already has a device named '{name}'.");
}
