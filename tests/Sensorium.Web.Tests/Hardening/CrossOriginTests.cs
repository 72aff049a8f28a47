using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Sensorium.Storage.Accounts;
using Sensorium.Storage.Runs;

namespace Sensorium.Web.Tests.Hardening;

/// <summary>
/// Issue 15.2: a page on another origin of the same site (a team's Jupyter on another port) cannot act with the
/// victim's sign-in cookie; bearer-token calls are unaffected.
/// </summary>
public sealed class CrossOriginTests : IDisposable
{
    readonly WorkbenchApp app = new();
    public void Dispose() => app.Dispose();

    async Task<(Run Run, SignedInClient Victim)> VictimWithQueuedRunAsync()
    {
        var (team, member) = await app.CreateTeamAsync("victim");
        var run = await app.Get<RunStore>().CreateAsync(new NewRun(team.Id, member.Id, "r", WorkbenchApp.SpecJson(), null));
        return (run, await app.SignInAsync(member.UserName));
    }

    static HttpRequestMessage Post(string path, string cookie, string? origin, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Add("Cookie", cookie);
        if (origin is not null) request.Headers.Add("Origin", origin);
        return request;
    }

    [Theory]
    [InlineData("http://localhost:8888")] // another port of the same host: same site, other origin
    [InlineData("http://evil.example")]
    [InlineData("null")] // a sandboxed frame
    [InlineData(null)] // no Origin at all
    public async Task A_cookie_cancel_from_another_origin_is_refused_and_the_run_stays_queued(string? origin)
    {
        var (run, victim) = await VictimWithQueuedRunAsync();
        var client = app.CreateClient();
        var response = await client.SendAsync(Post($"/api/runs/{run.Id}/cancel", victim.CookieHeader, origin));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("API token", await response.Content.ReadAsStringAsync());
        Assert.Equal(RunStatus.Queued, (await app.Get<RunStore>().GetAsync(run.Id))!.Status);
    }

    [Fact]
    public async Task The_workbenchs_own_origin_or_referer_may_cancel()
    {
        var (run, victim) = await VictimWithQueuedRunAsync();
        var client = app.CreateClient();
        var byReferer = Post($"/api/runs/{run.Id}/cancel", victim.CookieHeader, origin: null);
        byReferer.Headers.Referrer = new Uri("http://localhost/runs/1");
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(byReferer)).StatusCode);
    }

    [Fact]
    public async Task A_cross_origin_multipart_submission_is_refused_before_it_is_read()
    {
        var (_, victim) = await VictimWithQueuedRunAsync();
        var before = await StoredState.SnapshotAsync(app);
        var form = new MultipartFormDataContent
        {
            { new StringContent("sensorium"), "track" }, { new StringContent("test"), "tier" },
            { new ByteArrayContent("trial_indices,image_ids,prediction,neuron_ids\n"u8.ToArray()), "file", "s.csv" },
        };
        var response = await app.CreateClient().SendAsync(Post("/api/submissions", victim.CookieHeader, "http://localhost:8888", form));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(before, await StoredState.SnapshotAsync(app));
    }

    [Fact]
    public async Task A_bearer_token_call_needs_no_origin()
    {
        var (team, member) = await app.CreateTeamAsync("tools");
        var run = await app.Get<RunStore>().CreateAsync(new NewRun(team.Id, member.Id, "r", WorkbenchApp.SpecJson(), null));
        var (token, _) = await app.Get<ApiTokenStore>().CreateAsync(team.Id, member.Id, "ci");
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await client.PostAsync($"/api/runs/{run.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_hub_connection_from_another_origin_is_refused()
    {
        var (_, victim) = await VictimWithQueuedRunAsync();
        var foreign = new HubConnectionBuilder()
            .WithUrl(new Uri(app.Server.BaseAddress, "hubs/training"), options =>
            {
                options.HttpMessageHandlerFactory = _ => app.Server.CreateHandler();
                options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling;
                options.Headers["Cookie"] = victim.CookieHeader;
                options.Headers["Origin"] = "http://localhost:8888";
            }).Build();
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => foreign.StartAsync());
        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);

        await using var own = app.CreateHubConnection(victim.CookieHeader);
        await own.StartAsync(); // no Origin (not a browser): authentication decides
        Assert.Equal(HubConnectionState.Connected, own.State);
    }
}
