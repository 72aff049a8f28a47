using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Sensorium.Storage.Accounts;

namespace Sensorium.Web.Features.Accounts;

public static class AuthenticationSetup
{
    /// <summary>
    /// Cookie sign-in for the browser. APIs and the hub answer 401/403 instead of redirecting. A per-team bearer
    /// scheme (tokens in <see cref="ApiTokenStore"/>) can be added beside the cookie later: the policies below only
    /// look at claims, and <see cref="WorkbenchClaims"/> is what a bearer handler would issue too.
    /// </summary>
    public static IServiceCollection AddWorkbenchAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = "/account/signin";
                options.AccessDeniedPath = "/account/denied";
                options.Cookie.Name = "sensorium.auth";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.ExpireTimeSpan = TimeSpan.FromDays(7);
                options.SlidingExpiration = true;
                options.Events.OnRedirectToLogin = context => Challenge(context, StatusCodes.Status401Unauthorized);
                options.Events.OnRedirectToAccessDenied = context => Challenge(context, StatusCodes.Status403Forbidden);
            });
        services.AddAuthorizationBuilder()
            .AddPolicy(WorkbenchPolicies.TeamMember, policy => policy.RequireAuthenticatedUser().RequireClaim(WorkbenchClaims.TeamId))
            .AddPolicy(WorkbenchPolicies.Admin, policy => policy.RequireAuthenticatedUser().RequireRole(WorkbenchClaims.AdminRole));
        services.AddCascadingAuthenticationState();
        services.AddSingleton<IPasswordHasher<User>, PasswordHasher<User>>();
        services.AddSingleton<AccountService>();
        return services;
    }

    static Task Challenge(RedirectContext<CookieAuthenticationOptions> context, int statusCode)
    {
        if (IsMachineRequest(context.Request)) context.Response.StatusCode = statusCode;
        else context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    static bool IsMachineRequest(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/hubs");
}
