using System.Net;
using System.Net.Http.Json;
using Sensorium.Storage.Accounts;

namespace Sensorium.Web.Tests;

public sealed class AccessTests : IDisposable
{
    readonly WorkbenchApp app = new();
    public void Dispose() => app.Dispose();

    [Theory]
    [InlineData("/api/runs")]
    [InlineData("/api/runs/1")]
    public async Task Anonymous_api_calls_get_401(string path)
    {
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/runs", new { spec = new { seed = 1 } })).StatusCode);
    }

    [Theory]
    [InlineData("/runs")]
    [InlineData("/runs/new")]
    [InlineData("/admin/users")]
    public async Task Anonymous_pages_redirect_to_sign_in(string path)
    {
        var response = await app.CreateClient(new() { AllowAutoRedirect = false }).GetAsync(path);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/account/signin", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task Sign_in_page_renders_with_an_antiforgery_token()
    {
        var html = await app.CreateClient().GetStringAsync("/account/signin");
        Assert.Contains("__RequestVerificationToken", html);
        Assert.Contains("Input.Password", html);
    }

    [Fact]
    public async Task Sign_in_is_a_MudBlazor_form_rendered_statically_that_a_plain_post_can_fill()
    {
        var html = await app.CreateClient().GetStringAsync("/account/signin");
        Assert.Matches("<input[^>]*(id=\"username\"[^>]*name=\"Input.UserName\"|name=\"Input.UserName\"[^>]*id=\"username\")", html);
        Assert.Matches("<input[^>]*type=\"password\"[^>]*", html);
        Assert.Matches("<input[^>]*(id=\"password\"[^>]*name=\"Input.Password\"|name=\"Input.Password\"[^>]*id=\"password\")", html);
        Assert.Contains("mud-input", html); // MudBlazor's fields, with its theme's variables
        Assert.Contains("--mud-palette-primary", html);
        Assert.Matches("<button[^>]*type=\"submit\"", html);
        Assert.Contains("mud-button-filled", html);
        Assert.DoesNotContain("\"type\":\"server\"", html); // no interactive component marker: a plain page
    }

    [Fact]
    public async Task Wrong_password_does_not_sign_in_and_is_not_echoed()
    {
        var (_, member) = await app.CreateTeamAsync("retina");
        var (response, _) = await app.PostSignInAsync(member.UserName, "wrong-password-xyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie") && response.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("sensorium.auth")));
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("Wrong user name or password.", html);
        Assert.DoesNotContain("wrong-password-xyz", html);
    }

    [Fact]
    public async Task Sign_in_without_an_antiforgery_token_is_refused()
    {
        var (_, member) = await app.CreateTeamAsync("retina");
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var response = await client.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "signin", ["Input.UserName"] = member.UserName, ["Input.Password"] = WorkbenchApp.Password,
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task A_member_signs_in_and_reaches_the_runs_page_and_api()
    {
        var (_, member) = await app.CreateTeamAsync("retina");
        var client = (await app.SignInAsync(member.UserName)).Http;
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/runs")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/runs")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await client.GetAsync("/admin/users")).StatusCode); // not an admin: denied page
        var home = await client.GetAsync("/");
        Assert.Equal("/runs", home.Headers.Location?.AbsolutePath);
    }

    [Fact]
    public async Task Sign_out_without_an_antiforgery_token_is_refused()
    {
        var (_, member) = await app.CreateTeamAsync("retina");
        var client = (await app.SignInAsync(member.UserName)).Http;
        var response = await client.PostAsync("/account/signout", new FormUrlEncodedContent(new Dictionary<string, string> { ["returnUrl"] = "/" }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task First_start_creates_an_admin_and_a_demo_team_once()
    {
        var users = await app.Get<UserStore>().ListAsync();
        Assert.Contains(users, u => u.UserName == "admin" && u.IsAdmin && u.TeamId is null);
        var demo = Assert.Single(users, u => u.UserName == "demo");
        Assert.Equal("demo", (await app.Get<TeamStore>().GetAsync(demo.TeamId!.Value))!.Name);
        Assert.DoesNotContain(users, u => u.PasswordHash.Length < 40); // hashed, not clear text
    }
}
