using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Sensorium.Storage.Accounts;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Leaderboards;
using Sensorium.Web.Features.Submissions;
using static Sensorium.Web.Tests.Submissions.SubmissionClient;

namespace Sensorium.Web.Tests.Submissions;

/// <summary>The benchmark server through HTTP: upload → validate → score → leaderboard; limits, hiding, tokens.</summary>
[Collection("tiny benchmark")]
public sealed class SubmissionApiTests(TinyBenchmark bench)
{
    static HubConnection LeaderboardHubConnection(WorkbenchApp app) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(app.Server.BaseAddress, "hubs/leaderboards"), options =>
            {
                options.HttpMessageHandlerFactory = _ => app.Server.CreateHandler();
                options.Transports = Microsoft.AspNetCore.Http.Connections.HttpTransportType.LongPolling;
            })
            .Build();

    static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task An_uploaded_csv_is_validated_scored_and_ranked_on_the_public_leaderboard()
    {
        using var app = App(bench);
        var (_, _, _, alpha) = await TeamWithTokenAsync(app, "alpha");
        var (_, _, _, beta) = await TeamWithTokenAsync(app, "beta");

        var csv = bench.ValidCsv("sensorium", "test", noise: 0.2);
        var response = await UploadAsync(alpha, csv);
        var body = await Json(response);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        var submission = body.GetProperty("submission");
        Assert.True(body.GetProperty("report").GetProperty("valid").GetBoolean());
        Assert.False(submission.GetProperty("scoresHidden").GetBoolean());
        double alphaScore = submission.GetProperty("correlationToAverage").GetDouble();
        Assert.InRange(alphaScore, 0.3, 1.0); // truth + small noise predicts well
        Assert.InRange(submission.GetProperty("singleTrialCorrelation").GetDouble(), 0.3, 1.0);

        // A worse team ranks second; the leaderboard is public (no credentials) and ranks by correlation to average.
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(beta, bench.ValidCsv("sensorium", "test", noise: 5, seed: 2))).StatusCode);
        var board = await app.CreateClient().GetFromJsonAsync<Leaderboard>("/api/leaderboards/sensorium/test", WorkbenchApp.Json);
        Assert.Equal("correlation_to_average", board!.RankedBy);
        Assert.Equal(["alpha", "beta"], board.Rows.Select(r => r.TeamName));
        Assert.Equal([1, 2], board.Rows.Select(r => r.Rank));
        Assert.Equal(alphaScore, board.Rows[0].CorrelationToAverage, 12);
        Assert.All(board.Rows, r => Assert.False(r.IsBaseline));

        // The team's own list, and the file back byte for byte under its official name.
        var own = await alpha.GetFromJsonAsync<SubmissionResponse[]>("/api/submissions", WorkbenchApp.Json);
        var mine = Assert.Single(own!);
        var file = await alpha.GetAsync($"/api/submissions/{mine.Id}/file");
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal(csv, await file.Content.ReadAsByteArrayAsync());
        Assert.Equal("submission_file_live_test.csv", file.Content.Headers.ContentDisposition!.FileName!.Trim('"'));

        // Another team may not download it (reads as not found); an administrator may.
        Assert.Equal(HttpStatusCode.NotFound, (await beta.GetAsync($"/api/submissions/{mine.Id}/file")).StatusCode);
        await app.Get<AccountService>().CreateUserAsync("host-admin", WorkbenchApp.Password, teamId: null, isAdmin: true);
        var admin = (await app.SignInAsync("host-admin")).Http;
        Assert.Equal(csv, await admin.GetByteArrayAsync($"/api/submissions/{mine.Id}/file"));
    }

    [Fact]
    public async Task A_second_submission_within_a_day_is_refused_with_when_the_next_is_allowed()
    {
        using var app = App(bench);
        var (_, _, _, client) = await TeamWithTokenAsync(app, "alpha");
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(client, bench.ValidCsv("sensorium", "test"))).StatusCode);

        var again = await UploadAsync(client, bench.ValidCsv("sensorium", "test", seed: 3));
        Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
        var problem = await Json(again);
        Assert.Contains("next is allowed at", problem.GetProperty("detail").GetString());
        Assert.True(problem.TryGetProperty("nextAllowedAt", out _));

        // Per track and tier: the other track and the final test are still open; invalid files do not count.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await UploadAsync(client, Utf8(""), "sensorium+", "test")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(client, bench.ValidCsv("sensorium+", "test"), "sensorium+", "test")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(client, bench.ValidCsv("sensorium", "final_test"), "sensorium", "final_test")).StatusCode);
        Assert.Single(await app.Get<Sensorium.Storage.Submissions.SubmissionStore>().ListForBoardAsync("sensorium", "test"));
    }

    [Fact]
    public async Task The_limit_is_configurable()
    {
        using var app = App(bench, new Dictionary<string, string> { ["Submissions:MaxPerWindow"] = "2" });
        var (_, _, _, client) = await TeamWithTokenAsync(app, "alpha");
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(client, bench.ValidCsv("sensorium", "test"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(client, bench.ValidCsv("sensorium", "test", seed: 2))).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await UploadAsync(client, bench.ValidCsv("sensorium", "test", seed: 3))).StatusCode);
    }

    [Fact]
    public async Task Final_test_scores_stay_hidden_from_teams_in_api_hub_and_pages_until_revealed()
    {
        using var app = App(bench);
        var (team, member, _, client) = await TeamWithTokenAsync(app, "alpha");

        var hub = LeaderboardHubConnection(app);
        var received = new TaskCompletionSource<SubmissionScored>();
        hub.On<SubmissionScored>("SubmissionScored", m => received.TrySetResult(m));
        await hub.StartAsync();

        var response = await UploadAsync(client, bench.ValidCsv("sensorium", "final_test"), "sensorium", "final_test", "submission_file_final_test.csv");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var submission = (await Json(response)).GetProperty("submission");
        Assert.True(submission.GetProperty("scoresHidden").GetBoolean());
        Assert.Equal(JsonValueKind.Null, submission.GetProperty("correlationToAverage").ValueKind);

        // Hub: the entry is announced without scores.
        var message = await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("final_test", message.Tier);
        Assert.Null(message.CorrelationToAverage);
        Assert.Null(message.SingleTrialCorrelation);
        Assert.Null(message.Feve);
        await hub.DisposeAsync();

        // API: own list and leaderboard.
        var own = Assert.Single((await client.GetFromJsonAsync<SubmissionResponse[]>("/api/submissions", WorkbenchApp.Json))!);
        Assert.True(own.ScoresHidden);
        Assert.Null(own.CorrelationToAverage);
        var board = await client.GetFromJsonAsync<Leaderboard>("/api/leaderboards/sensorium/final_test", WorkbenchApp.Json);
        Assert.True(board!.Hidden);
        Assert.Empty(board.Rows);

        // UI: the team's history page (server-prerendered) shows "hidden", never the number.
        var stored = (await app.Get<Sensorium.Storage.Submissions.SubmissionStore>().GetAsync(own.Id))!;
        string secret = stored.CorrelationToAverage.ToString("F4");
        var page = await (await app.SignInAsync(member.UserName)).Http.GetStringAsync("/submissions");
        Assert.Contains("hidden until revealed", page);
        Assert.DoesNotContain(secret, page);
        var boardPage = await app.CreateClient().GetStringAsync("/leaderboards/sensorium/final_test");
        Assert.Contains("hidden until the host reveals", boardPage);

        // After the reveal, everyone sees them.
        await app.Get<SubmissionVisibility>().RevealFinalAsync("sensorium", member.Id);
        board = await client.GetFromJsonAsync<Leaderboard>("/api/leaderboards/sensorium/final_test", WorkbenchApp.Json);
        Assert.False(board!.Hidden);
        Assert.Equal(stored.CorrelationToAverage, Assert.Single(board.Rows).CorrelationToAverage, 12);
        own = Assert.Single((await client.GetFromJsonAsync<SubmissionResponse[]>("/api/submissions", WorkbenchApp.Json))!);
        Assert.False(own.ScoresHidden);
        // The other track stays hidden.
        Assert.True((await client.GetFromJsonAsync<Leaderboard>("/api/leaderboards/sensorium-plus/final_test", WorkbenchApp.Json))!.Hidden);
    }

    [Fact]
    public async Task Host_entries_are_baselines_marked_and_not_ranked()
    {
        using var app = App(bench);
        var (_, _, _, alpha) = await TeamWithTokenAsync(app, "alpha");
        await UploadAsync(alpha, bench.ValidCsv("sensorium+", "test", noise: 5), "sensorium+");

        var admin = await app.Get<AccountService>().CreateUserAsync("host-admin", WorkbenchApp.Password, teamId: null, isAdmin: true);
        var principal = new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity(
            [new(System.Security.Claims.ClaimTypes.Role, Features.Accounts.WorkbenchClaims.AdminRole)], "test"));
        var service = app.Get<SubmissionService>();
        long hostTeam = (await app.Get<SubmissionAdmission>().TeamOfAsync(principal))!.Value;
        using var csv = new MemoryStream(bench.ValidCsv("sensorium+", "test", noise: 0.1));
        var result = await service.SubmitAsync(new SubmitRequest(hostTeam, admin.Id, IsAdmin: true, "sensorium+", "test", "baseline.csv"), csv);
        Assert.Equal(SubmitOutcome.Scored, result.Outcome);

        var board = await app.CreateClient().GetFromJsonAsync<Leaderboard>("/api/leaderboards/sensorium-plus/test", WorkbenchApp.Json);
        Assert.Equal("single_trial_correlation", board!.RankedBy);
        var baseline = board.Rows[0];
        Assert.True(baseline.IsBaseline);
        Assert.Null(baseline.Rank);
        Assert.Equal("host", baseline.TeamName);
        Assert.Equal(1, board.Rows[1].Rank);
    }

    [Fact]
    public async Task Tokens_authenticate_a_team_until_revoked()
    {
        using var app = App(bench);
        var (team, member, token, client) = await TeamWithTokenAsync(app, "alpha");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/submissions")).StatusCode);

        // No credentials, an unknown token, a revoked token: 401.
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync("/api/submissions")).StatusCode);
        var wrong = app.CreateClient();
        wrong.DefaultRequestHeaders.Authorization = new("Bearer", ApiTokenStore.Prefix + new string('0', 64));
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/submissions")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await UploadAsync(wrong, bench.ValidCsv("sensorium", "test"))).StatusCode);

        var row = Assert.Single(await app.Get<ApiTokenStore>().ListForTeamAsync(team.Id));
        Assert.NotNull(row.LastUsedAt);
        Assert.NotEqual(token, row.TokenHash);
        await app.Get<ApiTokenStore>().RevokeAsync(team.Id, row.Id);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/submissions")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await UploadAsync(client, bench.ValidCsv("sensorium", "test"))).StatusCode);
    }

    [Fact]
    public async Task A_token_acts_only_for_its_own_team()
    {
        using var app = App(bench);
        var (_, _, _, alpha) = await TeamWithTokenAsync(app, "alpha");
        var (_, _, _, beta) = await TeamWithTokenAsync(app, "beta");
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(alpha, bench.ValidCsv("sensorium", "test"))).StatusCode);

        Assert.Empty((await beta.GetFromJsonAsync<SubmissionResponse[]>("/api/submissions", WorkbenchApp.Json))!);
        var alphaOwn = Assert.Single((await alpha.GetFromJsonAsync<SubmissionResponse[]>("/api/submissions", WorkbenchApp.Json))!);
        Assert.Equal(HttpStatusCode.NotFound, (await beta.GetAsync($"/api/submissions/{alphaOwn.Id}/file")).StatusCode);
        // Beta's own submission is not limited by alpha's.
        Assert.Equal(HttpStatusCode.Created, (await UploadAsync(beta, bench.ValidCsv("sensorium", "test"))).StatusCode);
    }

    [Fact]
    public async Task Uploads_through_the_api_are_rate_limited()
    {
        using var app = App(bench, new Dictionary<string, string> { ["Submissions:ApiUploadsPerMinute"] = "2" });
        var (_, _, _, client) = await TeamWithTokenAsync(app, "alpha");
        await UploadAsync(client, Utf8(""));
        await UploadAsync(client, Utf8(""));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await UploadAsync(client, Utf8(""))).StatusCode);
    }
}

/// <summary>`sensorium submission submit` against the app: exit 0 with the JSON result, 1 with the server's message.</summary>
[Collection("tiny benchmark")]
public sealed class SubmissionSubmitCommandTests(TinyBenchmark bench) : IDisposable
{
    readonly WorkbenchApp app = App(bench);
    readonly string dir = Directory.CreateTempSubdirectory("sensorium-cli-submit-").FullName;
    public void Dispose() { app.Dispose(); Directory.Delete(dir, true); }

    (int Code, string Out, string Err) Submit(string file, string token, string tier = "test")
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var command = new Sensorium.Cli.SubmissionSubmitCommand(() => app.Server.CreateHandler());
        int code = command.Run(Sensorium.Cli.CliArgs.Parse(["--file", file, "--track", "sensorium", "--tier", tier,
            "--server", app.Server.BaseAddress.ToString(), "--token", token]), output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Submits_with_a_token_and_reports_the_servers_refusals()
    {
        var (_, _, token, _) = await TeamWithTokenAsync(app, "alpha");
        string good = Path.Combine(dir, "submission_file_live_test.csv");
        File.WriteAllBytes(good, bench.ValidCsv("sensorium", "test"));

        var (code, output, error) = Submit(good, token);
        Assert.True(code == 0, error + output);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.InRange(json.GetProperty("submission").GetProperty("correlationToAverage").GetDouble(), 0, 1);

        (code, _, error) = Submit(good, token); // the daily limit
        Assert.Equal(1, code);
        Assert.Contains("next is allowed at", error);

        string bad = Path.Combine(dir, "bad.csv");
        File.WriteAllText(bad, "trial_indices,image_ids,prediction,neuron_ids\n");
        (code, output, error) = Submit(bad, token, "final_test");
        Assert.Equal(1, code);
        Assert.Contains("bad.csv", error);
        Assert.Contains("no data rows", error);
        Assert.Contains("\"errors\"", output);

        (code, _, error) = Submit(good, "swb_not-a-token", "final_test");
        Assert.Equal(1, code);
        Assert.Contains("unknown or revoked", error);
    }
}
