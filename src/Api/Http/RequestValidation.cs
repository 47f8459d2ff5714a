using FluentValidation;
using FluentValidation.Results;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeSync.Api.Http;

/// <summary>
/// Validates handler arguments with their registered <see cref="IValidator{T}"/> (request
/// bodies, <see cref="Paging"/>, <c>[AsParameters]</c> objects) before the handler runs, and
/// answers 400 <c>validation_failed</c> with every failing field of every argument at once.
/// Endpoints mapped under <see cref="ApiSetup.MapApiGroup"/> already have it.
/// </summary>
public static class RequestValidation
{
    public static TBuilder WithValidation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.AddEndpointFilterFactory(CreateFilter);

    /// <summary>Validates one value by hand; null when valid, else the 400 problem.</summary>
    public static async Task<ProblemHttpResult?> ValidateAsync<T>(HttpContext httpContext, T value, CancellationToken cancellationToken = default)
    {
        var validator = httpContext.RequestServices.GetRequiredService<IValidator<T>>();
        var result = await validator.ValidateAsync(value, cancellationToken);
        return result.IsValid ? null : ApiProblem.Validation(result);
    }

    private static EndpointFilterDelegate CreateFilter(EndpointFilterFactoryContext context, EndpointFilterDelegate next)
    {
        var isService = context.ApplicationServices.GetService<IServiceProviderIsService>();
        if (isService is null)
            return next;

        var targets = new List<(int Index, Type ValidatorType)>();
        var parameters = context.MethodInfo.GetParameters();
        for (var i = 0; i < parameters.Length; i++)
        {
            var type = Nullable.GetUnderlyingType(parameters[i].ParameterType) ?? parameters[i].ParameterType;
            if (type.IsPrimitive || type == typeof(string) || type.ContainsGenericParameters)
                continue;
            var validatorType = typeof(IValidator<>).MakeGenericType(type);
            if (isService.IsService(validatorType))
                targets.Add((i, validatorType));
        }
        if (targets.Count == 0)
            return next;

        return async invocation =>
        {
            List<ValidationFailure>? failures = null;
            foreach (var (index, validatorType) in targets)
            {
                var argument = invocation.Arguments[index];
                if (argument is null)
                    continue;
                var validator = (IValidator)invocation.HttpContext.RequestServices.GetRequiredService(validatorType);
                var result = await validator.ValidateAsync(new ValidationContext<object>(argument), invocation.HttpContext.RequestAborted);
                if (!result.IsValid)
                    (failures ??= []).AddRange(result.Errors);
            }
            return failures is null ? await next(invocation) : ApiProblem.Validation(failures);
        };
    }
}
