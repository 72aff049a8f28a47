using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Sensorium.Storage.Accounts;
using Sensorium.Web.Features.Accounts;

namespace Sensorium.Web.Features.ApiTokens;

/// <summary>
/// <c>Authorization: Bearer swb_…</c>: a team's API token (see <see cref="ApiTokenStore"/>) signs the request in as
/// the user who created it, acting for the token's team, with the same <see cref="WorkbenchClaims"/> as the cookie
/// (never the admin role: tokens are for team work). A revoked or unknown token fails with 401.
/// </summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ApiTokenStore tokens, TeamStore teams)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken(Request) is not { } token) return AuthenticateResult.NoResult();
        var row = await tokens.UseAsync(token);
        if (row is null) return AuthenticateResult.Fail("The API token is unknown or revoked.");
        var team = await teams.GetAsync(row.TeamId);
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, row.CreatedBy.ToString()),
            new Claim(ClaimTypes.Name, $"token:{row.Name}"),
            new Claim(WorkbenchClaims.TeamId, row.TeamId.ToString()),
            new Claim(WorkbenchClaims.TeamName, team?.Name ?? ""),
            new Claim(Security.HubConnections.TokenIdClaim, row.Id.ToString()),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }

    public static string? BearerToken(HttpRequest request)
    {
        string header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }
}

/// <summary>Revokes a team's token: REST calls with it fail from now on and its open hub connections are closed.</summary>
public sealed class ApiTokenRevocation(ApiTokenStore tokens, Security.HubConnections connections)
{
    public async Task<bool> RevokeAsync(long teamId, long tokenId)
    {
        var revoked = await tokens.RevokeAsync(teamId, tokenId);
        if (revoked) connections.CloseToken(tokenId);
        return revoked;
    }
}

public static class ApiTokensSetup
{
    const string Selector = "WorkbenchCookieOrToken";

    /// <summary>
    /// Adds the bearer scheme beside the cookie: a request carrying <c>Authorization: Bearer</c> is authenticated
    /// (and challenged) by the token handler, every other by the cookie, so every endpoint, policy and the hubs accept
    /// both without change.
    /// </summary>
    public static IServiceCollection AddApiTokens(this IServiceCollection services)
    {
        services.AddSingleton<ApiTokenRevocation>();
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null)
            .AddPolicyScheme(Selector, "Cookie or API token", options => options.ForwardDefaultSelector = context =>
                ApiTokenAuthenticationHandler.BearerToken(context.Request) is null
                    ? CookieAuthenticationDefaults.AuthenticationScheme
                    : ApiTokenAuthenticationHandler.SchemeName);
        services.PostConfigure<AuthenticationOptions>(options =>
        {
            options.DefaultScheme = Selector;
            options.DefaultAuthenticateScheme = Selector;
            options.DefaultChallengeScheme = Selector;
            options.DefaultForbidScheme = Selector;
        });
        return services;
    }
}
