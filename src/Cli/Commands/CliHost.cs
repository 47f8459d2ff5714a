using System.CommandLine;
using System.Text.Json;
using EdgeSync.Cli.Api;
using EdgeSync.Cli.Output;
using EdgeSync.Cli.Settings;
using EdgeSync.Escaping;

namespace EdgeSync.Cli.Commands;

/// <summary>
/// What every command runs against: the console streams, the environment, the settings file and
/// the options every command accepts. Tests build one over string writers and a temporary folder.
/// </summary>
public sealed class CliHost(TextWriter output, TextWriter error, TextReader input, bool interactive, Func<string, string?> environment)
{
    public const string DefaultApiUrl = "http://localhost:5080";

    public TextWriter Out => output;
    public TextWriter Error => error;
    public TextReader In => input;
    /// <summary>A person at a terminal (stdin and stdout not redirected): confirmations may be asked.</summary>
    public bool Interactive => interactive;
    public Func<string, string?> Environment => environment;

    public SettingsStore Store { get; } = new(SettingsStore.DefaultDirectory(environment));

    public Option<string?> ApiUrlOption { get; } = new("--api-url") { Description = $"API address (default: the logged-in one, $EDGESYNC_API_URL, {DefaultApiUrl})", Recursive = true };
    public Option<Guid?> ProjectOption { get; } = new("--project") { Description = "Project id (default: the context's, $EDGESYNC_PROJECT)", Recursive = true };
    public Option<OutputFormat> OutputOption { get; } = new("--output", "-o") { Description = "table for people, json for scripts (the API's data as sent)", HelpName = "table|json", Recursive = true };

    public Option<string?> IdempotencyKeyOption { get; } = new("--idempotency-key") { Description = "Key sent as Idempotency-Key (default: a new one); repeat it to retry a mutation safely" };

    public Option<int> PageOption { get; } = new("--page") { Description = "Page to show, from 1", DefaultValueFactory = _ => 1 };
    public Option<int> LimitOption { get; } = new("--limit") { Description = "Items per page (at most 500)", DefaultValueFactory = _ => 50 };
    public Option<bool> AllOption { get; } = new("--all") { Description = "Fetch every page" };

    public static CliHost ForConsole() => new(
        Console.Out, Console.Error, Console.In,
        interactive: !Console.IsInputRedirected && !Console.IsOutputRedirected,
        System.Environment.GetEnvironmentVariable);

    /// <summary>Settings in force: options, then environment variables, then the settings file.</summary>
    public CliSettings Resolve(ParseResult parse)
    {
        var saved = Store.Load();
        return new CliSettings
        {
            ApiUrl = parse.GetValue(ApiUrlOption) ?? environment("EDGESYNC_API_URL") ?? saved.ApiUrl ?? DefaultApiUrl,
            Token = environment("EDGESYNC_TOKEN") is { Length: > 0 } token ? token : saved.Token,
            ProjectId = parse.GetValue(ProjectOption)
                ?? (Guid.TryParse(environment("EDGESYNC_PROJECT"), out var project) ? project : saved.ProjectId),
        };
    }

    public EdgeSyncClient Client(CliSettings settings) =>
        new(settings.ApiUrl!, settings.Token ?? throw new CliException("not logged in: run `edgesync login --token <token>` (or set EDGESYNC_TOKEN)"));

    public ProjectApi Project(ParseResult parse)
    {
        var settings = Resolve(parse);
        var project = settings.ProjectId ?? throw new CliException("no project chosen: run `edgesync context set --project <id>` or pass --project");
        return new ProjectApi(Client(settings), project);
    }

    public Printer Printer(ParseResult parse) => new(output, parse.GetValue(OutputOption), terminal: interactive);

    /// <summary>Runs a command's body; an operator-facing failure is printed as one line and becomes the exit code.</summary>
    public async Task<int> RunAsync(Func<Task> body)
    {
        try
        {
            await body();
            return CliExitCodes.Ok;
        }
        catch (CliException e)
        {
            error.WriteLine($"error: {SafeText.EscapeLines(e.Message)}");
            return e.ExitCode;
        }
    }

    /// <summary>Asks for a typed confirmation; refuses without a terminal unless the caller said --yes.</summary>
    public bool Confirm(string question, string answer, bool alreadyConfirmed)
    {
        if (alreadyConfirmed)
            return true;
        if (!interactive)
            throw new CliException("refusing without confirmation: pass --yes when running from a script");
        output.Write($"{question} Type '{answer}' to confirm: ");
        return string.Equals(input.ReadLine()?.Trim(), answer, StringComparison.Ordinal);
    }

    public string IdempotencyKey(ParseResult parse) => parse.GetValue(IdempotencyKeyOption) ?? Guid.NewGuid().ToString();

    /// <summary>The page asked for, or with --all every page, in order.</summary>
    public async Task<(List<JsonElement> Items, PageInfo? Page)> ListAsync(ParseResult parse, Func<PageRequest, Task<ApiResult>> fetch)
    {
        var request = new PageRequest(parse.GetValue(PageOption), parse.GetValue(LimitOption));
        var all = parse.GetValue(AllOption);
        var items = new List<JsonElement>();
        while (true)
        {
            var result = await fetch(request);
            items.AddRange(result.Data.EnumerateArray());
            if (!all || result.Page is not { } page || page.CurrentPage >= page.TotalPages)
                return (items, all ? null : result.Page);
            request = request.Next;
        }
    }
}
