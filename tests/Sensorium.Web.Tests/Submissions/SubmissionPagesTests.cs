using System.Net.Http.Json;
using System.Security.Claims;
using Bunit;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Sensorium.Data.Submissions;
using Sensorium.Storage.Accounts;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.ApiTokens;
using Sensorium.Web.Features.Leaderboards;
using Sensorium.Web.Features.Submissions;
using static Sensorium.Web.Tests.Submissions.SubmissionClient;

namespace Sensorium.Web.Tests.Submissions;

/// <summary>The submissions and API-token pages under bUnit, on the real app's services; ground-truth import.</summary>
[Collection("tiny benchmark")]
public sealed class SubmissionPagesTests(TinyBenchmark bench)
{
    static BunitContext Context(WorkbenchApp app, User member, Team team)
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(app.Get<SubmissionService>());
        context.Services.AddSingleton(app.Get<SubmissionVisibility>());
        context.Services.AddSingleton(app.Get<SubmissionAdmission>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Leaderboards.LeaderboardService>());
        context.Services.AddSingleton(app.Get<ApiTokenStore>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.ApiTokens.ApiTokenRevocation>());
        context.AddAuthorization().SetAuthorized(member.UserName)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, member.Id.ToString()), new Claim(WorkbenchClaims.TeamId, team.Id.ToString()));
        return context;
    }

    [Fact]
    public async Task Upload_page_shows_errors_per_row_then_scores_a_valid_file_in_the_history()
    {
        using var app = App(bench);
        var (team, member) = await app.CreateTeamAsync("alpha");
        await using var context = Context(app, member, team);
        var cut = context.Render<SubmissionsPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=history-empty]"));

        string valid = Text(bench.ValidCsv("sensorium", "test"));
        var lines = valid.TrimEnd('\n').Split('\n');
        lines[1] = "not-a-trial" + lines[1][lines[1].IndexOf(',')..];
        lines[2] = lines[2].Replace("\"[", "\"[nan, ");
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(string.Join("\n", lines) + "\n", "mine.csv"));
        cut.WaitForAssertion(() => Assert.Contains("not a valid submission", cut.Find("[data-testid=upload-result]").TextContent));
        var errors = cut.FindAll("[data-testid=upload-errors] li").Select(e => e.TextContent).ToList();
        Assert.Contains(errors, e => e.StartsWith("mine.csv:2:") && e.Contains("not-a-trial"));
        Assert.Contains(errors, e => e.StartsWith("mine.csv:3:"));

        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(valid, "mine.csv"));
        cut.WaitForAssertion(() => Assert.Contains("valid and scored", cut.Find("[data-testid=upload-result]").TextContent));
        var row = cut.Find("[data-testid=submission-row]");
        Assert.Contains("uploaded", row.TextContent);
        Assert.NotEmpty(cut.Find("[data-testid=score-to-average]").TextContent.Trim());
    }

    /// <summary>
    /// The upload limit is a setting (Submissions:MaxUploadBytes): the page says it, and a bigger file is refused before
    /// anything is read, with the limit and the setting named, and nothing stored (no row, no file).
    /// </summary>
    [Fact]
    public async Task A_file_over_the_configured_upload_limit_is_refused_naming_the_limit_and_the_setting_and_nothing_is_stored()
    {
        using var app = App(bench, new Dictionary<string, string> { ["Submissions:MaxUploadBytes"] = "2048" });
        var (team, member) = await app.CreateTeamAsync("alpha");
        await using var context = Context(app, member, team);
        var cut = context.Render<SubmissionsPage>();
        cut.WaitForAssertion(() => cut.Find("[data-testid=history-empty]"));
        Assert.Equal("2 KiB", cut.Find(".upload-limit").TextContent.Trim()); // was "Up to 0 MB" below 1 MiB

        string valid = Text(bench.ValidCsv("sensorium", "test"));
        Assert.True(valid.Length > 2048, $"the file has {valid.Length} bytes");
        cut.FindComponent<InputFile>().UploadFiles(InputFileContent.CreateFromText(valid, "big.csv"));
        cut.WaitForAssertion(() => Assert.Contains("not a valid submission", cut.Find("[data-testid=upload-result]").TextContent));
        var error = Assert.Single(cut.FindAll("[data-testid=upload-errors] li")).TextContent;
        Assert.Contains("over the limit of 2048 bytes (2 KiB, the server's setting Submissions:MaxUploadBytes); it was not read", error);

        Assert.Empty(await app.Get<Sensorium.Storage.Submissions.SubmissionStore>().ListForBoardAsync("sensorium", "test"));
        var submissions = Path.Combine(app.DataDirectory, "submissions");
        Assert.Empty(Directory.Exists(submissions) ? Directory.GetFiles(submissions, "*", SearchOption.AllDirectories) : []);
        cut.Find("[data-testid=history-empty]");
    }

    [Fact]
    public async Task Token_page_shows_a_new_token_once_and_revokes_it()
    {
        using var app = App(bench);
        var (team, member) = await app.CreateTeamAsync("alpha");
        await using var context = Context(app, member, team);
        var cut = context.Render<ApiTokensPage>();

        cut.Find("input").Change("laptop");
        cut.Find("[data-testid=token-create]").Click();
        string token = cut.WaitForElement("[data-testid=token-value]").TextContent;
        Assert.StartsWith(ApiTokenStore.Prefix, token);
        Assert.NotNull(await app.Get<ApiTokenStore>().UseAsync(token));

        var again = context.Render<ApiTokensPage>(); // a fresh visit: listed, never shown again
        again.WaitForAssertion(() => Assert.Single(again.FindAll("[data-testid=token-row]")));
        Assert.DoesNotContain(token, again.Markup);
        again.Find("[data-testid=token-revoke]").Click();
        again.WaitForAssertion(() => Assert.Contains("revoked", again.Find("[data-testid=token-row]").TextContent));
        Assert.Null(await app.Get<ApiTokenStore>().UseAsync(token));
    }

    [Fact]
    public async Task Imported_ground_truth_replaces_the_host_copy()
    {
        // No host copy at all: scoring is refused until an administrator imports the test responses.
        using var app = App(bench, new Dictionary<string, string> { ["Submissions:TruthPath"] = Path.Combine(bench.Root, "nowhere") });
        var (_, _, _, client) = await TeamWithTokenAsync(app, "alpha");
        var refused = await UploadAsync(client, bench.ValidCsv("sensorium", "test"));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("no ground truth", await refused.Content.ReadAsStringAsync());

        // The official ground-truth CSV, in participant trial ids (as the organizers' generate_ground_truth_file writes it).
        using var host = DatasetTargets.OpenMouse(bench.Host, "26872-17-20");
        var truth = DatasetTargets.GroundTruth(host, "test") with { Target = bench.Target("sensorium", "test") };
        using var csv = new MemoryStream();
        SubmissionWriter.WriteGroundTruth(csv, truth);
        csv.Position = 0;
        await app.Get<GroundTruthSource>().ImportAsync("sensorium", "test", csv, 1 << 30);

        var scored = await UploadAsync(client, bench.ValidCsv("sensorium", "test", noise: 0.2));
        Assert.Equal(System.Net.HttpStatusCode.Created, scored.StatusCode);
        var board = await client.GetFromJsonAsync<Leaderboard>("/api/leaderboards/sensorium/test", WorkbenchApp.Json);
        Assert.InRange(Assert.Single(board!.Rows).CorrelationToAverage, 0.3, 1);

        // A file that is not a ground truth is refused and changes nothing.
        await Assert.ThrowsAsync<Sensorium.Data.DataFormatException>(() =>
            app.Get<GroundTruthSource>().ImportAsync("sensorium", "test", new MemoryStream(Utf8("a;b\n")), 1 << 30));
        Assert.StartsWith("imported CSV", app.Get<GroundTruthSource>().Describe("sensorium", "test"));
    }
}

/// <summary>The benchmark admin page reveals a track's final-test scores.</summary>
[Collection("tiny benchmark")]
public sealed class SubmissionsAdminPageTests(TinyBenchmark bench)
{
    [Fact]
    public async Task Admin_reveals_one_tracks_final_scores()
    {
        using var app = App(bench);
        var admin = await app.Get<AccountService>().CreateUserAsync("host-admin", WorkbenchApp.Password, teamId: null, isAdmin: true);
        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(app.Get<SubmissionService>());
        context.Services.AddSingleton(app.Get<SubmissionVisibility>());
        context.Services.AddSingleton(app.Get<SubmissionAdmission>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Leaderboards.LeaderboardService>());
        context.Services.AddSingleton(app.Get<GroundTruthSource>());
        context.AddAuthorization().SetAuthorized("host-admin").SetRoles(WorkbenchClaims.AdminRole)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, admin.Id.ToString()));

        var dialogs = context.Render<MudBlazor.MudDialogProvider>();
        var cut = context.Render<SubmissionsAdminPage>();
        Assert.Contains("host copy", cut.Find("[data-testid=admin-track-sensorium]").TextContent);

        // Reveal asks first, saying what it does; keeping them hidden changes nothing.
        cut.Find("[data-testid=reveal-sensorium]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("cannot be undone", dialogs.Markup));
        Assert.Contains("Reveal the sensorium final-test scores?", dialogs.Markup);
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Keep hidden").Click();
        dialogs.WaitForAssertion(() => Assert.DoesNotContain("cannot be undone", dialogs.Markup));
        Assert.Empty(await app.Get<SubmissionVisibility>().RevealedAsync());

        cut.Find("[data-testid=reveal-sensorium-plus]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Reveal the sensorium+ final-test scores?", dialogs.Markup));
        dialogs.FindAll("button").Single(b => b.TextContent.Trim() == "Reveal").Click();
        cut.WaitForAssertion(() => Assert.Contains("revealed", cut.Find("[data-testid=admin-track-sensorium-plus]").TextContent));
        Assert.Empty(cut.FindAll("[data-testid=reveal-sensorium-plus]"));
        Assert.NotEmpty(cut.FindAll("[data-testid=reveal-sensorium]"));
        Assert.Equal(["sensorium+"], await app.Get<SubmissionVisibility>().RevealedAsync());
    }
}
