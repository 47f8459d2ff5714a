using EdgeSync.Api.Auth;
using EdgeSync.Silo.Hosting;

var builder = WebApplication.CreateBuilder(args);
if (args is ["dev-token", ..])
    return DevTokens.RunCommand(args, builder.Configuration);

await builder.AddEdgeSyncNodeAsync();
var app = builder.Build();
app.MapEdgeSyncNode();
await app.RunAsync();
return 0;

public partial class Program;
