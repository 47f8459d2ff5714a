using EdgeSync.Mirrors;
using FluentValidation;

namespace EdgeSync.Silo.Commands;

/// <summary>The arguments of <c>migrate</c>: <c>[--grant-runtime-role ROLE]</c>.</summary>
public sealed record MigrateArguments(string? RuntimeRole)
{
    public const string Usage = """
        usage: migrate [--grant-runtime-role ROLE]

          Applies every migration (Orleans tables, store schema, mirror schemas) to the database of
          ConnectionStrings:EdgeSync, then exits: 0 when done, 1 when the database refused, 2 on bad usage.
          --grant-runtime-role  also grants ROLE (an existing login role) what a node that applies
                                no DDL needs (Database:ApplyMigrations=false); see docs/deployment.md.
        """;

    /// <summary>Reads the words after <c>migrate</c>; null with <paramref name="error"/> when they are not usage.</summary>
    public static MigrateArguments? Parse(IReadOnlyList<string> args, out string? error)
    {
        string? role = null;
        for (var i = 1; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--grant-runtime-role" when i + 1 < args.Count:
                    role = args[++i];
                    break;
                case var arg when arg.StartsWith("--grant-runtime-role=", StringComparison.Ordinal):
                    role = arg["--grant-runtime-role=".Length..];
                    break;
                default:
                    error = $"unknown or incomplete argument '{args[i]}'.";
                    return null;
            }
        }
        var parsed = new MigrateArguments(role);
        var result = new MigrateArgumentsValidator().Validate(parsed);
        error = result.IsValid ? null : string.Join(" ", result.Errors.Select(e => e.ErrorMessage));
        return result.IsValid ? parsed : null;
    }
}

public sealed class MigrateArgumentsValidator : AbstractValidator<MigrateArguments>
{
    public MigrateArgumentsValidator()
    {
        RuleFor(a => a.RuntimeRole).Must(role => PgIdentifier.IsQuotable(role, out _))
            .When(a => a.RuntimeRole is not null)
            .WithMessage(a => $"--grant-runtime-role needs a role name that PostgreSQL accepts (1 to {PgIdentifier.MaxBytes} bytes, no NUL).");
    }
}
