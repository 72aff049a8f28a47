using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Sensorium.Storage.Submissions;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Features.Submissions;

public static class SubmissionsSetup
{
    /// <summary>The benchmark server: options (section <c>Submissions</c>), store, ground truth, scoring, the upload rate limit.</summary>
    public static IServiceCollection AddSubmissions(this IServiceCollection services)
    {
        services.AddOptions<SubmissionsOptions>().BindConfiguration(SubmissionsOptions.Section)
            .PostConfigure<IHostEnvironment>((options, environment) =>
            {
                if (options.TruthPath is not null) options.TruthPath = Path.GetFullPath(options.TruthPath, environment.ContentRootPath);
            })
            .Validate(o => o.MaxUploadBytes > 0,
                "Submissions:MaxUploadBytes (the largest submission CSV a member may upload, in bytes; default 536870912 = 512 MiB) must be positive.")
            .Validate(o => o.MaxPerWindow > 0 && o.Window > TimeSpan.Zero && o.ApiUploadsPerMinute > 0,
                "Submissions: MaxPerWindow, Window and ApiUploadsPerMinute must be positive.")
            .ValidateOnStart();
        services.AddSingleton<SubmissionStore>();
        services.AddSingleton<GroundTruthSource>();
        services.AddSingleton<SubmissionNotifications>();
        services.AddSingleton<SubmissionAdmission>();
        services.AddSingleton<SubmissionStaging>();
        services.AddSingleton<SubmissionScoring>();
        services.AddSingleton<SubmissionVisibility>();
        services.AddSingleton<SubmissionService>();
        services.AddSingleton<Leaderboards.LeaderboardService>();
        services.AddSingleton<RunSubmissionMaker>();
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddSingleton<CliLauncher>(services);
        services.AddSignalR();

        // Per team (or per address for unauthenticated callers), a fixed window of uploads per minute.
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (rejected, cancel) =>
            {
                var retry = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? (int)Math.Ceiling(after.TotalSeconds) : 60;
                rejected.HttpContext.Response.Headers.RetryAfter = retry.ToString();
                await Results.Problem($"Too many uploads in a minute. Try again in {retry} s.",
                    statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests").ExecuteAsync(rejected.HttpContext);
            };
            limiter.AddPolicy(SubmissionsApi.UploadRateLimit, context =>
            {
                int permits = context.RequestServices.GetRequiredService<IOptions<SubmissionsOptions>>().Value.ApiUploadsPerMinute;
                string key = context.User.GetTeamId()?.ToString() ?? context.Connection.RemoteIpAddress?.ToString() ?? "anonymous";
                return RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = permits, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
                });
            });
        });
        return services;
    }

    /// <summary>The rate limiter (after authentication: uploads are limited per team) and the endpoints.</summary>
    public static WebApplication MapSubmissions(this WebApplication app)
    {
        app.UseRateLimiter();
        app.MapSubmissionsApi();
        return app;
    }
}
