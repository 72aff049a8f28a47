using System.Security.Claims;
using System.Text.RegularExpressions;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;
using Sensorium.Storage.Accounts;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Admin;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Tests;

/// <summary>Passwords: a user changes theirs, an administrator resets one, the first start's are kept in a file.</summary>
public sealed partial class AccountPageTests
{
    static BunitContext Context(WorkbenchApp app, User user, bool admin = false, long? teamId = null)
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(app.Get<AccountService>());
        context.Services.AddSingleton(app.Get<UserStore>());
        context.Services.AddSingleton(app.Get<TeamStore>());
        var auth = context.AddAuthorization().SetAuthorized(user.UserName).SetClaims([
            new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
            .. teamId is { } team ? new[] { new Claim(WorkbenchClaims.TeamId, team.ToString()) } : []]);
        if (admin) auth.SetRoles(WorkbenchClaims.AdminRole);
        return context;
    }

    [Fact]
    public async Task A_member_changes_their_password_after_giving_the_current_one()
    {
        using var app = new WorkbenchApp();
        var (_, member) = await app.CreateTeamAsync("alpha");
        await using var context = Context(app, member);
        var cut = context.Render<AccountPage>();

        void Fill(string current, string next, string repeat)
        {
            cut.Find(".field-current input").Change(current);
            cut.Find(".field-new input").Change(next);
            cut.Find(".field-repeat input").Change(repeat);
            cut.Find("button.change-password-submit").Click();
        }

        Fill("wrong password!", "a new long password", "a new long password");
        cut.WaitForAssertion(() => Assert.Equal("The current password is wrong.", cut.Find(".change-password-result").TextContent.Trim()));
        Fill(WorkbenchApp.Password, "a new long password", "a new long passwore");
        cut.WaitForAssertion(() => Assert.Equal("The two new passwords differ.", cut.Find(".change-password-result").TextContent.Trim()));
        Fill(WorkbenchApp.Password, "short", "short");
        cut.WaitForAssertion(() => Assert.Contains("at least 10 characters", cut.Find(".change-password-result").TextContent));
        Fill(WorkbenchApp.Password, "a new long password", "a new long password");
        cut.WaitForAssertion(() => Assert.Equal("Your password was changed.", cut.Find(".change-password-result").TextContent.Trim()));

        Assert.Null(await app.Get<AccountService>().AuthenticateAsync(member.UserName, WorkbenchApp.Password));
        Assert.NotNull(await app.Get<AccountService>().AuthenticateAsync(member.UserName, "a new long password"));
    }

    [Fact]
    public async Task An_administrator_resets_a_password_after_a_question_and_sees_the_new_one_once()
    {
        using var app = new WorkbenchApp();
        var (_, member) = await app.CreateTeamAsync("alpha");
        var admin = await app.Get<AccountService>().CreateUserAsync("host", WorkbenchApp.Password, teamId: null, isAdmin: true);
        await using var context = Context(app, admin, admin: true);
        var dialogs = context.Render<MudDialogProvider>();
        var cut = context.Render<UsersPage>();

        cut.Find($"button.reset-password[data-user={member.UserName}]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains($"Reset the password of {member.UserName}?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Reset").Click();

        cut.WaitForAssertion(() => Assert.Contains("(shown once)", cut.Find(".users-message").TextContent));
        var password = NewPassword().Match(cut.Find(".users-message").TextContent).Groups[1].Value;
        Assert.Equal(20, password.Length);
        Assert.Null(await app.Get<AccountService>().AuthenticateAsync(member.UserName, WorkbenchApp.Password));
        Assert.NotNull(await app.Get<AccountService>().AuthenticateAsync(member.UserName, password));
    }

    [Fact]
    public async Task The_first_start_keeps_its_passwords_in_a_file_only_the_server_user_can_read()
    {
        using var app = new WorkbenchApp();
        _ = app.Services; // starts it: the first accounts are created
        var file = Path.Combine(app.DataDirectory, WorkbenchStartup.FirstPasswordsFile);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        var text = await File.ReadAllTextAsync(file);
        var demo = Regex.Match(text, @"demo\s+(\S+)").Groups[1].Value;
        Assert.NotNull(await app.Get<AccountService>().AuthenticateAsync("demo", demo));
        Assert.Contains("then delete this file", text);
    }

    [Fact]
    public async Task The_tokens_page_says_when_there_is_none_and_copies_a_new_token()
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        await using var context = Context(app, member, teamId: team.Id);
        context.Services.AddSingleton(app.Get<ApiTokenStore>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.ApiTokens.ApiTokenRevocation>()); // revoking closes the token's hub connections
        var cut = context.Render<Sensorium.Web.Features.ApiTokens.ApiTokensPage>();
        cut.WaitForAssertion(() => Assert.Contains("No token yet", cut.Find("[data-testid=token-empty]").TextContent));

        cut.Find("input[data-testid=token-name], [data-testid=token-name] input").Change("ci");
        cut.Find("[data-testid=token-create]").Click();
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.Find("[data-testid=token-value]").TextContent));
        var token = cut.Find("[data-testid=token-value]").TextContent;
        cut.Find("[data-testid=token-copy]").Click();
        var copy = context.JSInterop.VerifyInvoke("navigator.clipboard.writeText");
        Assert.Equal(token, copy.Arguments[0]);
        Assert.Empty(cut.FindAll("[data-testid=token-empty]"));
    }

    [GeneratedRegex(@"\(shown once\): (\S+)")]
    private static partial Regex NewPassword();
}
