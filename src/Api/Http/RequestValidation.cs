using FluentValidation;
using FluentValidation.Results;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeSync.Api.Http;

/// <summary>
/// Validates handler arguments with their registered <see cref="IValidator{T}"/> (request
/// bodies, <see cref="Paging"/>, <c>[AsParameters]</c> objects) before the handler runs, and
/// answers 400 <c>validation_failed</c> with every failing field of every argument at once.
/// String arguments bound from the route, query or headers are checked to be
/// <see cref="StorableText">storable text</see> (a filter such as <c>?status=%00</c> would
/// otherwise fail in PostgreSQL). Endpoints mapped under <see cref="ApiSetup.MapApiGroup"/>
/// already have it.
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
        var texts = new List<(int Index, string Field)>();
        var parameters = context.MethodInfo.GetParameters();
        for (var i = 0; i < parameters.Length; i++)
        {
            var type = Nullable.GetUnderlyingType(parameters[i].ParameterType) ?? parameters[i].ParameterType;
            if (type == typeof(string))
                texts.Add((i, FieldName(parameters[i])));
            if (type.IsPrimitive || type == typeof(string) || type.ContainsGenericParameters)
                continue;
            var validatorType = typeof(IValidator<>).MakeGenericType(type);
            if (isService.IsService(validatorType))
                targets.Add((i, validatorType));
        }
        if (targets.Count == 0 && texts.Count == 0)
            return next;

        return async invocation =>
        {
            List<ValidationFailure>? failures = null;
            foreach (var (index, field) in texts)
                if (invocation.Arguments[index] is string text && !StorableText.IsStorable(text))
                    (failures ??= []).Add(new ValidationFailure(field, $"'{field}' {StorableText.Message}"));
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

    /// <summary>The name the client used: the binding attribute's name, else the parameter's in snake_case.</summary>
    private static string FieldName(System.Reflection.ParameterInfo parameter)
    {
        var named = parameter.GetCustomAttributes(inherit: false).OfType<IFromQueryMetadata>().Select(a => a.Name)
            .Concat(parameter.GetCustomAttributes(inherit: false).OfType<IFromRouteMetadata>().Select(a => a.Name))
            .Concat(parameter.GetCustomAttributes(inherit: false).OfType<IFromHeaderMetadata>().Select(a => a.Name))
            .FirstOrDefault(n => !string.IsNullOrEmpty(n));
        return named ?? ApiJson.ToSnakeCase(parameter.Name ?? "request");
    }
}
