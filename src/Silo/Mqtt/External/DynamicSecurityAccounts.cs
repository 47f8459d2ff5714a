using System.Text.Json.Nodes;
using EdgeSync.Api.Devices;
using EdgeSync.Registry;

namespace EdgeSync.Silo.Mqtt.External;

/// <summary>Device accounts in Mosquitto's dynamic security plugin (<see cref="DeviceAccountCommands"/>), for the API and reconciliation.</summary>
public sealed class DynamicSecurityAccounts(DynamicSecurity dynamicSecurity, ILogger<DynamicSecurityAccounts> logger) : IBrokerAccounts
{
    public Task CreateAsync(Device device, string secret, CancellationToken ct) => ProvideAsync(device, secret, ct);

    public Task RotateSecretAsync(Device device, string secret, CancellationToken ct) => ProvideAsync(device, secret, ct);

    public Task DeleteAsync(Device device, CancellationToken ct) => DeleteAsync(device.MqttUsername, ct);

    /// <summary>
    /// Creates the device's role and client; a client of that name that is already there (an earlier
    /// device of the same name, or one reconciliation made) gets this secret, client id and role.
    /// Without a secret an existing client is left as it is.
    /// </summary>
    public async Task ProvideAsync(Device device, string? secret, CancellationToken ct)
    {
        var created = await SendAsync([DeviceAccountCommands.CreateRole(device), DeviceAccountCommands.CreateClient(device, secret)], ct);
        Require(created[0], "Role already exists");
        if (created[1].Error == "Client already exists" && secret is not null)
            Require((await SendAsync([DeviceAccountCommands.ModifyClient(device, secret)], ct))[0]);
        else
            Require(created[1], "Client already exists");
    }

    /// <summary>Deletes a device's client (Mosquitto closes its connections) and its role; either may be gone already.</summary>
    public async Task DeleteAsync(string username, CancellationToken ct)
    {
        var deleted = await SendAsync([DeviceAccountCommands.DeleteClient(username), DeviceAccountCommands.DeleteRole(username)], ct);
        Require(deleted[0], "Client not found");
        Require(deleted[1], "Role not found");
    }

    /// <summary>The usernames of the clients the service manages (by their text name); never the node's own or an operator's.</summary>
    public async Task<IReadOnlyList<string>> ManagedUsernamesAsync(CancellationToken ct)
    {
        var listed = (await SendAsync([DeviceAccountCommands.ListClients()], ct))[0];
        Require(listed);
        return listed.Data is { } data
            ? data.GetProperty("clients").EnumerateArray()
                .Where(c => c.TryGetProperty("textname", out var name) && name.GetString() == DeviceAccountCommands.ManagedMarker)
                .Select(c => c.GetProperty("username").GetString()!)
                .ToList()
            : [];
    }

    private async Task<IReadOnlyList<DynamicSecurityResponse>> SendAsync(IReadOnlyList<JsonObject> commands, CancellationToken ct)
    {
        try
        {
            var answers = await dynamicSecurity.SendAsync(commands, ct);
            if (answers.Count != commands.Count)
                throw new BrokerAccountsUnavailableException($"the broker answered {answers.Count} of {commands.Count} commands");
            return answers;
        }
        catch (BrokerAccountsUnavailableException e)
        {
            logger.LogWarning("Dynamic security commands ({Commands}) failed: {Error}", string.Join(", ", commands.Select(c => c["command"])), e.Message);
            throw;
        }
    }

    private void Require(DynamicSecurityResponse answer, string? harmless = null)
    {
        if (answer.Succeeded || answer.Error == harmless)
            return;
        logger.LogWarning("Dynamic security refused {Command}: {Error}", answer.Command, answer.Error);
        throw new BrokerAccountsUnavailableException($"{answer.Command}: {answer.Error}");
    }
}
