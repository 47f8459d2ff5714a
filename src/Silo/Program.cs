using EdgeSync.Api.Auth;
using EdgeSync.Silo.Commands;
using EdgeSync.Silo.Database;
using EdgeSync.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
if (args is ["dev-token", ..])
    return DevTokens.RunCommand(args, builder.Configuration);
if (args is ["migrate", ..])
    return await MigrateCommand.RunAsync(args, builder.Configuration);
if (args is ["healthcheck", ..])
    return await HealthcheckCommand.RunAsync(args, builder.Configuration);

try
{
    await builder.AddEdgeSyncNodeAsync();
}
catch (SchemaNotReadyException e)
{
    await Console.Error.WriteLineAsync($"EdgeSync: {e.Message}");
    return 3;
}
var app = builder.Build();
app.MapEdgeSyncNode();
try
{
    await app.RunAsync();
}
catch (UnsafeAuthConfigurationException e)
{
    await Console.Error.WriteLineAsync($"EdgeSync: {e.Message}");
    return 4;
}
return 0;

public partial class Program;
