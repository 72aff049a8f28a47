using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Sensorium.Storage.Accounts;

namespace Sensorium.Web.Features.Accounts;

/// <summary>Creates accounts and checks passwords (ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>).</summary>
public sealed class AccountService(UserStore users, TeamStore teams, IPasswordHasher<User> hasher, Security.SignInThrottle throttle,
    Security.HubConnections connections)
{
    public const int MinPasswordLength = 10;

    public async Task<User> CreateUserAsync(string userName, string password, long? teamId, bool isAdmin)
    {
        if (password.Length < MinPasswordLength)
            throw new ArgumentException($"Passwords need at least {MinPasswordLength} characters.", nameof(password));
        var placeholder = new User { UserName = userName, PasswordHash = "" };
        return await users.CreateAsync(userName, hasher.HashPassword(placeholder, password), teamId, isAdmin);
    }

    /// <summary>
    /// A sign-in from <paramref name="client"/> (its address), throttled per user name and address
    /// (<see cref="Security.SignInThrottle"/>): while throttled, no password is checked and <c>RetryAfter</c> is set.
    /// </summary>
    public async Task<SignInAttempt> SignInAsync(string userName, string password, string? client)
    {
        if (throttle.RetryAfter(userName, client) is { } wait)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            return new(null, $"Too many failed sign-ins for this user name or from this address. Try again in {seconds} s.", seconds);
        }
        var principal = await AuthenticateAsync(userName, password);
        if (principal is null)
        {
            throttle.Failed(userName, client);
            return new(null, "Wrong user name or password.", null);
        }
        throttle.Succeeded(userName);
        return new(principal, null, null);
    }

    /// <summary>A user changes their own password. Returns why not, or null when changed.</summary>
    public async Task<string?> ChangePasswordAsync(long userId, string currentPassword, string newPassword)
    {
        var user = await users.GetAsync(userId);
        if (user is null) return "Your account no longer exists.";
        if (hasher.VerifyHashedPassword(user, user.PasswordHash, currentPassword) == PasswordVerificationResult.Failed)
            return "The current password is wrong.";
        if (newPassword.Length < MinPasswordLength) return $"The new password needs at least {MinPasswordLength} characters.";
        if (newPassword == currentPassword) return "The new password is the current one.";
        await users.SetPasswordHashAsync(user.Id, hasher.HashPassword(user, newPassword));
        connections.CloseUser(user.Id); // live channels opened with the old password end
        return null;
    }

    /// <summary>An administrator resets a user's password: a new generated one, returned to be shown once.</summary>
    public async Task<string?> ResetPasswordAsync(long userId)
    {
        var user = await users.GetAsync(userId);
        if (user is null) return null;
        var password = GeneratePassword();
        await users.SetPasswordHashAsync(user.Id, hasher.HashPassword(user, password));
        connections.CloseUser(user.Id);
        return password;
    }

    /// <summary>The principal to sign in, or null if the name or password is wrong.</summary>
    public async Task<ClaimsPrincipal?> AuthenticateAsync(string userName, string password)
    {
        var user = await users.FindByNameAsync(userName);
        if (user is null)
        {
            hasher.HashPassword(new User { UserName = userName, PasswordHash = "" }, password); // same cost as a real check
            return null;
        }
        switch (hasher.VerifyHashedPassword(user, user.PasswordHash, password))
        {
            case PasswordVerificationResult.Failed:
                return null;
            case PasswordVerificationResult.SuccessRehashNeeded:
                await users.SetPasswordHashAsync(user.Id, hasher.HashPassword(user, password));
                break;
        }
        var team = user.TeamId is { } teamId ? await teams.GetAsync(teamId) : null;
        return CreatePrincipal(user, team);
    }

    public static ClaimsPrincipal CreatePrincipal(User user, Team? team)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString()),
            new(ClaimTypes.Name, user.UserName),
        };
        if (team is not null)
        {
            claims.Add(new(WorkbenchClaims.TeamId, team.Id.ToString()));
            claims.Add(new(WorkbenchClaims.TeamName, team.Name));
        }
        if (user.IsAdmin) claims.Add(new(ClaimTypes.Role, WorkbenchClaims.AdminRole));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme));
    }

    /// <summary>A random password of 20 characters without look-alikes (for generated accounts).</summary>
    public static string GeneratePassword() =>
        RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);
}

/// <summary>The outcome of <see cref="AccountService.SignInAsync"/>: a principal, or why not (and how long to wait).</summary>
public sealed record SignInAttempt(ClaimsPrincipal? Principal, string? Error, int? RetryAfterSeconds);
