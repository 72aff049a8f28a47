using System.Security.Claims;

namespace Sensorium.Web.Features.Accounts;

/// <summary>What a signed-in principal carries, whatever scheme signed it in (cookie now, team bearer tokens later).</summary>
public static class WorkbenchClaims
{
    public const string TeamId = "sensorium:team_id";
    public const string TeamName = "sensorium:team_name";
    public const string AdminRole = "admin";

    public static long GetUserId(this ClaimsPrincipal user) =>
        long.Parse(user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("No user id claim."));

    /// <summary>The team the principal acts for; null for an administrator without a team.</summary>
    public static long? GetTeamId(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(TeamId), out var id) ? id : null;

    /// <summary>For endpoints behind <see cref="WorkbenchPolicies.TeamMember"/>, which guarantees the claim.</summary>
    public static long GetRequiredTeamId(this ClaimsPrincipal user) =>
        user.GetTeamId() ?? throw new InvalidOperationException("The principal has no team.");
}

public static class WorkbenchPolicies
{
    /// <summary>Signed in and acting for a team: runs, datasets of the team, the hub.</summary>
    public const string TeamMember = "TeamMember";
    /// <summary>Administrators: teams, users, dataset registration.</summary>
    public const string Admin = "Admin";
}
