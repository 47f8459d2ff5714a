using System.Globalization;
using System.Threading.RateLimiting;
using EdgeSync.Api.Auth;
using EdgeSync.Api.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace EdgeSync.Api.RateLimiting;

/// <summary>
/// ASP.NET Core's rate limiter in front of every endpoint except the probes and the metrics
/// scrape: per caller when the request carries a valid token, per client address otherwise.
/// A refused request gets 429 <c>rate_limited</c> with <c>Retry-After</c>.
/// </summary>
internal static class RateLimitSetup
{
    private static readonly PathString[] Unlimited = ["/health", "/metrics"];

    public static IServiceCollection AddEdgeSyncRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>()
            .Bind(configuration.GetSection(RateLimitOptions.Section))
            .Validate(o => o.Problem() is null, "The RateLimits options are invalid: see RateLimits:* in the documentation.")
            .ValidateOnStart();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, limits) =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, limits.Value));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = RejectAsync;
        });
        return services;
    }

    /// <summary>After authentication (the caller is known), before authorization (so 401s are counted too).</summary>
    public static WebApplication UseEdgeSyncRateLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }

    private static RateLimitPartition<string> Partition(HttpContext context, RateLimitOptions limits)
    {
        var path = context.Request.Path;
        if (!limits.Enabled || Unlimited.Any(p => path.StartsWithSegments(p)))
            return RateLimitPartition.GetNoLimiter("unlimited");

        var subject = context.User.Identity?.IsAuthenticated == true ? context.User.FindFirst(Grants.SubjectClaimType)?.Value : null;
        return subject is not null
            ? RateLimitPartition.GetFixedWindowLimiter($"caller:{subject}", _ => Window(limits.PerCallerPermits, limits.Window))
            : RateLimitPartition.GetFixedWindowLimiter($"address:{context.Connection.RemoteIpAddress}", _ => Window(limits.PerAddressPermits, limits.Window));
    }

    private static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) => new()
    {
        PermitLimit = permits,
        Window = window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken ct)
    {
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await ApiProblem.Create(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited,
                $"Too many requests; retry after {seconds} s.")
            .ExecuteAsync(rejected.HttpContext);
    }
}
