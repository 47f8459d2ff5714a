using EdgeSync.Silo.Database;
using EdgeSync.Silo.Hosting;
using EdgeSync.Storage;

namespace EdgeSync.Silo.Commands;

/// <summary>
/// <c>EdgeSync.Silo migrate [--grant-runtime-role ROLE]</c>: what a node does at start with
/// <c>Database:ApplyMigrations=true</c>, run once by a deployment with a privileged role, so that
/// the nodes can run as a role without DDL rights.
/// </summary>
public static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args, IConfiguration configuration)
    {
        var arguments = MigrateArguments.Parse(args, out var error);
        if (arguments is null)
        {
            await Console.Error.WriteLineAsync($"migrate: {error}\n{MigrateArguments.Usage}");
            return 2;
        }
        var connectionString = configuration.GetConnectionString("EdgeSync");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            await Console.Error.WriteLineAsync("migrate: ConnectionStrings:EdgeSync is not configured.");
            return 2;
        }
        var storeSchema = configuration.GetValue("Store:Schema", EdgeStore.DefaultSchema)!;

        using var loggerFactory = LoggerFactory.Create(logging => logging.AddConsole());
        var logger = loggerFactory.CreateLogger("EdgeSync.Migrate");
        try
        {
            await DatabaseReadiness.WaitAsync(connectionString, logger, TimeSpan.FromMinutes(2));
            var outcome = await SchemaMigrations.ApplyAsync(connectionString, storeSchema);
            logger.LogInformation("Orleans tables: {Orleans}", outcome.OrleansChanged ? "migrated" : "up to date");
            if (outcome.StoreChanges.Count == 0)
                logger.LogInformation("Store schema {Schema}: up to date", storeSchema);
            else
                logger.LogInformation("Store schema {Schema}: created or updated {Objects}", storeSchema, string.Join(", ", outcome.StoreChanges));
            if (arguments.RuntimeRole is { } role)
            {
                await RuntimeRole.GrantAsync(connectionString, role, new EdgeStoreSettings(storeSchema));
                logger.LogInformation("Granted the runtime rights to role {Role}", role);
            }
            return 0;
        }
        catch (Exception e)
        {
            // A command run by a deployment: the reason, then a non-zero exit, whatever failed.
            logger.LogError(e, "migrate failed: {Message}", e.Message);
            return 1;
        }
    }
}
