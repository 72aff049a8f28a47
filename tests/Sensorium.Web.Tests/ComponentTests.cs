using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Sensorium.Storage.Runs;
using System.Security.Claims;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Features.Training;

namespace Sensorium.Web.Tests;

/// <summary>MudBlazor components under bUnit: loose JS interop and MudBlazor's services, as MudBlazor's own tests do.</summary>
public sealed class ComponentTests
{
    // A context per test, disposed asynchronously: MudBlazor's services are only IAsyncDisposable.
    static BunitContext CreateContext()
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        return context;
    }

    [Theory]
    [InlineData(RunStatus.Running, "running", "mud-chip-color-info")]
    [InlineData(RunStatus.Failed, "failed", "mud-chip-color-error")]
    [InlineData(RunStatus.Interrupted, "interrupted", "mud-chip-color-warning")]
    public async Task Status_chip_shows_the_status_in_its_colour(RunStatus status, string text, string colourClass)
    {
        await using var context = CreateContext();
        var cut = context.Render<RunStatusChip>(parameters => parameters.Add(c => c.Status, status));
        var chip = cut.Find(".run-status");
        Assert.Equal(text, chip.GetAttribute("data-status"));
        Assert.Contains(text, chip.TextContent);
        Assert.Contains(colourClass, chip.ClassName);
    }

    /// <summary>A run that a time limit or a stop request ended says so on every list (runs, sweep, compare, ensemble).</summary>
    [Theory]
    [InlineData(RunStatus.Succeeded, "time limit 10 min reached after epoch 3; best epoch 2", "succeeded · time limit", "time limit")]
    [InlineData(RunStatus.Succeeded, "stopped by ada after epoch 4; best epoch 4", "succeeded · stopped", "stopped")]
    [InlineData(RunStatus.Succeeded, "early stopping", "succeeded", null)]
    [InlineData(RunStatus.Succeeded, null, "succeeded", null)]
    public async Task Status_chip_says_when_a_time_limit_or_a_stop_ended_the_run(RunStatus status, string? reason, string text, string? ended)
    {
        await using var context = CreateContext();
        var cut = context.Render<RunStatusChip>(parameters => parameters.Add(c => c.Status, status).Add(c => c.StopReason, reason));
        var chip = cut.Find(".run-status");
        Assert.Equal("succeeded", chip.GetAttribute("data-status"));
        Assert.Equal(text, chip.TextContent.Trim());
        Assert.Equal(ended, chip.GetAttribute("data-ended"));
        Assert.Equal(ended is null ? null : $"Training ended: {reason}", chip.GetAttribute("title"));
    }

    [Fact]
    public async Task Device_panel_names_own_runs_and_keeps_other_teams_anonymous()
    {
        await using var context = CreateContext();
        var occupancy = new QueueOccupancy(
            [new DeviceOccupancy("cuda:0", Slots: 3, OwnRunIds: [7], OtherTeamsRunning: 1)], OwnQueued: 2, TotalQueued: 5);
        var cut = context.Render<DeviceOccupancyPanel>(parameters => parameters.Add(c => c.Occupancy, occupancy));

        var chips = cut.FindAll(".mud-chip").Select(c => c.TextContent.Trim()).ToList();
        Assert.Equal(["your run #7", "another team", "free"], chips);
        Assert.Contains("2 of your team's runs, 5 in all", cut.Markup);
    }

    [Fact]
    public async Task Runs_page_lists_the_teams_runs_and_follows_live_progress()
    {
        using var app = new WorkbenchApp();
        var (alpha, a) = await app.CreateTeamAsync("alpha");
        var (beta, b) = await app.CreateTeamAsync("beta");
        var store = app.Get<RunStore>();
        var own = await store.CreateAsync(new NewRun(alpha.Id, a.Id, "alpha-baseline", "{\"seed\":1}", null));
        await store.CreateAsync(new NewRun(beta.Id, b.Id, "beta-secret", "{\"seed\":2}", null));
        await store.TransitionAsync(own.Id, RunStatus.Running, "cpu");

        await using var context = CreateContext();
        context.Services.AddSingleton(app.Get<RunQueue>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Ensembles.EnsembleJobs>()); // the page lists the team's ensembles
        context.Services.AddSingleton(app.Get<TrainingNotifications>());
        context.Services.AddSingleton(app.Get<SlotActivity>()); // the device panel follows slots taken and freed
        context.AddAuthorization()
            .SetAuthorized(a.UserName)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, a.Id.ToString()), new Claim(WorkbenchClaims.TeamId, alpha.Id.ToString()));

        var cut = context.Render<RunsPage>();
        cut.WaitForAssertion(() => Assert.Contains("alpha-baseline", cut.Markup));
        Assert.DoesNotContain("beta-secret", cut.Markup);
        Assert.Contains("your run #" + own.Id, cut.Markup);

        await app.Get<RunProgressRecorder>().BatchAsync(own.Id, epoch: 1, batch: 0, batchesPerEpoch: 10, loss: 0.5, progress: 0.42);
        cut.WaitForAssertion(() => Assert.Contains(0.42.ToString("P0"), cut.Markup));

        await app.Get<RunProgressRecorder>().FinishAsync(own.Id, RunStatus.Succeeded);
        cut.WaitForAssertion(() => Assert.Contains("data-status=\"succeeded\"", cut.Markup));
        cut.WaitForAssertion(() => Assert.Equal(["free"], cut.FindAll(".device-row .mud-chip").Select(c => c.TextContent.Trim()).ToList())); // its slot freed
    }

    [Fact]
    public async Task Admin_creates_a_team_on_the_teams_page()
    {
        using var app = new WorkbenchApp();
        await using var context = CreateContext();
        context.Services.AddSingleton(app.Get<Storage.Accounts.TeamStore>());

        var cut = context.Render<Features.Admin.TeamsPage>();
        cut.Find("input").Change("Visual Cortex");
        cut.FindAll("button").Single(b => b.TextContent.Contains("Create")).Click();

        cut.WaitForAssertion(() => Assert.Contains("Team 'Visual Cortex' created.", cut.Markup));
        Assert.Contains(await app.Get<Storage.Accounts.TeamStore>().ListAsync(), t => t.Name == "Visual Cortex");

        cut.Find("input").Change("visual cortex");
        cut.FindAll("button").Single(b => b.TextContent.Contains("Create")).Click();
        cut.WaitForAssertion(() => Assert.Contains("already exists", cut.Markup));
    }
}
