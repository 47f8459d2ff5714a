using System.Text.Json.Nodes;
using EdgeSync.Registry;
using EdgeSync.Wire;

namespace EdgeSync.Silo.Mqtt.External;

/// <summary>
/// A device's account in Mosquitto's dynamic security: a client named by the device's username,
/// bound to that same client id (so no one can take over its session under another id), with a
/// role of its own that allows publishing exactly its five uplinks and subscribing exactly to its
/// control topic; everything else falls to the plugin's default, deny. The client's text name marks
/// it as one the service manages, which is all reconciliation ever touches.
/// </summary>
public static class DeviceAccountCommands
{
    /// <summary>The text name of every client the service manages.</summary>
    public const string ManagedMarker = "edgesync device";

    /// <summary>Mosquitto 2.0 has no per-client substitution in ACLs, so every device has a role of its own.</summary>
    public static string RoleOf(string username) => $"edgesync-device:{username}";

    public static JsonObject CreateRole(Device device) => new()
    {
        ["command"] = "createRole",
        ["rolename"] = RoleOf(device.MqttUsername),
        ["textname"] = ManagedMarker,
        ["acls"] = new JsonArray(
        [
            .. DeviceTopics.Uplinks.Select(uplink => Acl("publishClientSend", DeviceTopics.Under(device.TopicRoot, uplink))),
            Acl("subscribeLiteral", DeviceTopics.ControlTopic(device.TopicRoot)),
        ]),
    };

    /// <summary>Without a secret the account exists with its ACL but no one can log in with it (reconciliation has no secret to give).</summary>
    public static JsonObject CreateClient(Device device, string? secret)
    {
        var command = ClientFields("createClient", device);
        if (secret is not null)
            command["password"] = secret;
        return command;
    }

    /// <summary>For an account that is already there: the secret, client id, role and marker set anew; Mosquitto closes its connections.</summary>
    public static JsonObject ModifyClient(Device device, string secret)
    {
        var command = ClientFields("modifyClient", device);
        command["password"] = secret;
        return command;
    }

    public static JsonObject DeleteClient(string username) => new() { ["command"] = "deleteClient", ["username"] = username };

    public static JsonObject DeleteRole(string username) => new() { ["command"] = "deleteRole", ["rolename"] = RoleOf(username) };

    public static JsonObject ListClients() => new() { ["command"] = "listClients", ["verbose"] = true, ["count"] = -1, ["offset"] = 0 };

    private static JsonObject ClientFields(string command, Device device) => new()
    {
        ["command"] = command,
        ["username"] = device.MqttUsername,
        ["clientid"] = device.MqttUsername,
        ["textname"] = ManagedMarker,
        ["textdescription"] = $"device {device.Id} of project {device.ProjectId}",
        ["roles"] = new JsonArray(new JsonObject { ["rolename"] = RoleOf(device.MqttUsername) }),
    };

    private static JsonObject Acl(string type, string topic) => new() { ["acltype"] = type, ["topic"] = topic, ["allow"] = true };
}
