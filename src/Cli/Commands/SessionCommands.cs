using System.CommandLine;
using EdgeSync.Cli.Api;
using EdgeSync.Escaping;
using Microsoft.IdentityModel.JsonWebTokens;

namespace EdgeSync.Cli.Commands;

/// <summary><c>login</c>, <c>logout</c>, <c>context show|set</c>: where the CLI talks to and as whom.</summary>
public static class SessionCommands
{
    public static IEnumerable<Command> Build(CliHost host)
    {
        yield return Login(host);
        yield return Logout(host);
        yield return Context(host);
    }

    private static Command Login(CliHost host)
    {
        var token = new Option<string?>("--token") { Description = "Bearer token (or --token-stdin, or asked for)" };
        var tokenStdin = new Option<bool>("--token-stdin") { Description = "Read the token from standard input (keeps it out of the shell history)" };
        var command = new Command("login", "Remember the API address, a token and optionally a project (checked against the API)") { token, tokenStdin };
        command.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var given = parse.GetValue(token) ?? (parse.GetValue(tokenStdin) || !host.Interactive ? host.In.ReadLine() : Ask(host, "Token: "));
            if (string.IsNullOrWhiteSpace(given))
                throw new CliException("no token given: pass --token, --token-stdin, or type it when asked");
            var settings = host.Resolve(parse) with { Token = given.Trim() };
            using var client = host.Client(settings);
            if (settings.ProjectId is { } project)
            {
                var answer = await new ProjectApi(client, project).ProjectAsync(ct);
                host.Out.WriteLine($"Project: {SafeText.Escape(answer.Data.GetProperty("name").GetString() ?? "")} ({project})");
            }
            host.Store.Save(settings);
            host.Out.WriteLine($"Logged in to {settings.ApiUrl}{Expiry(settings.Token)}; settings saved to {host.Store.FilePath}");
            if (settings.ProjectId is null)
                host.Out.WriteLine("Choose a project: edgesync context set --project <id>");
        }));
        return command;
    }

    private static Command Logout(CliHost host)
    {
        var command = new Command("logout", "Forget the token (the API address and project are kept)");
        command.SetAction(_ => host.RunAsync(() =>
        {
            host.Store.Save(host.Store.Load() with { Token = null });
            host.Out.WriteLine("Logged out.");
            return Task.CompletedTask;
        }));
        return command;
    }

    private static Command Context(CliHost host)
    {
        var show = new Command("show", "Show the API address, project and token in force");
        show.SetAction(parse => host.RunAsync(() =>
        {
            var settings = host.Resolve(parse);
            host.Printer(parse).Fields([
                ("API", settings.ApiUrl),
                ("Project", settings.ProjectId?.ToString()),
                ("Token", settings.Token is null ? "none (edgesync login)" : "set" + Expiry(settings.Token)),
                ("Settings file", host.Store.FilePath),
            ]);
            return Task.CompletedTask;
        }));

        var set = new Command("set", "Choose the project (and/or API address) later commands use");
        set.SetAction((parse, ct) => host.RunAsync(async () =>
        {
            var saved = host.Store.Load();
            var project = parse.GetValue(host.ProjectOption);
            var apiUrl = parse.GetValue(host.ApiUrlOption);
            if (project is null && apiUrl is null)
                throw new CliException("nothing to set: pass --project <id> and/or --api-url <url>");
            var settings = saved with { ProjectId = project ?? saved.ProjectId, ApiUrl = apiUrl ?? saved.ApiUrl };
            _ = EdgeSyncClient.BaseAddress(settings.ApiUrl ?? CliHost.DefaultApiUrl);
            if (project is { } id && settings.Token is not null)
            {
                using var client = host.Client(settings with { ApiUrl = settings.ApiUrl ?? CliHost.DefaultApiUrl });
                var answer = await new ProjectApi(client, id).ProjectAsync(ct);
                host.Out.WriteLine($"Project: {SafeText.Escape(answer.Data.GetProperty("name").GetString() ?? "")} ({id})");
            }
            host.Store.Save(settings);
            host.Out.WriteLine($"Context saved to {host.Store.FilePath}");
        }));

        return new Command("context", "The API address and project commands use") { show, set };
    }

    private static string Ask(CliHost host, string prompt)
    {
        host.Out.Write(prompt);
        return host.In.ReadLine() ?? "";
    }

    /// <summary>" (subject alice, expires …)" from the token's claims when it is a readable JWT; it is not verified here.</summary>
    private static string Expiry(string token)
    {
        var handler = new JsonWebTokenHandler();
        if (!handler.CanReadToken(token))
            return "";
        var jwt = handler.ReadJsonWebToken(token);
        var expired = jwt.ValidTo != DateTime.MinValue && jwt.ValidTo < DateTime.UtcNow ? ", EXPIRED" : "";
        return $" (subject {jwt.Subject ?? "?"}, expires {jwt.ValidTo:yyyy-MM-dd HH:mm} UTC{expired})";
    }
}
