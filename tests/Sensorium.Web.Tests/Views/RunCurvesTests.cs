using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Sensorium.Storage.Runs;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Charts;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Runs.Charts;
using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Features.Training;

namespace Sensorium.Web.Tests.Views;

public sealed class RunCurvesTests
{
    static EpochCompleted Epoch(int epoch, double correlation, double lr = 0.009) => new(
        epoch, TrainLoss: 1.0 / epoch,
        new Dictionary<string, double> { ["21067-10-18"] = correlation - 0.01, ["26872-17-20"] = correlation + 0.01 },
        Objective: correlation, lr, EpochSeconds: 12.5, SamplesPerSecond: 0, Improved: false, BestObjective: 0, BestEpoch: 0,
        Round: 0, EtaSeconds: double.NaN);

    [Fact]
    public void History_places_batches_in_epoch_time_and_finds_the_best_epoch()
    {
        var history = RunHistory.From(
            [new RunEpoch { Epoch = 1, TrainLoss = 2, ValidationCorrelation = 0.2, PerMouseCorrelationJson = "{\"a\":0.1,\"b\":0.3}", LearningRate = 0.009 },
             new RunEpoch { Epoch = 2, TrainLoss = 1, ValidationCorrelation = 0.25, PerMouseCorrelationJson = "{\"a\":0.2,\"b\":0.3}", LearningRate = 0.009 }],
            [new RunBatch { Epoch = 1, Batch = 0, Loss = 3 }, new RunBatch { Epoch = 1, Batch = 3, Loss = 2 }]);
        Assert.Equal(["a", "b"], history.Mice);
        Assert.Equal(2, history.Best!.Epoch);
        Assert.Equal([0.25, 1.0], history.BatchLoss().Select(p => p.X));

        history.Add(new RunBatchProgress(1, 1, Epoch: 3, Batch: 4, BatchesPerEpoch: 10, Loss: 0.5, Progress: 0.3));
        Assert.Equal(2.5, history.BatchLoss()[^1].X);
        history.Add(new RunEpochCompleted(1, 1, 3, 0.9, 0.31, new Dictionary<string, double> { ["a"] = 0.3 }, 0.0027, 10, 0.31));
        Assert.Equal(3, history.Best!.Epoch);
        Assert.Equal(3, history.Epochs.Count);
    }

    [Fact]
    public void History_thins_live_batches_and_drops_repeated_ones_of_a_resumed_run()
    {
        var history = new RunHistory();
        for (int i = 0; i <= RunHistory.MaxBatchPoints; i++) history.Add(new RunBatchProgress(1, 1, 1 + i / 100, i % 100, 100, i, 0));
        Assert.True(history.BatchCount <= RunHistory.MaxBatchPoints / 2 + 2);
        Assert.Equal(RunHistory.MaxBatchPoints, history.BatchLoss()[^1].Y); // the newest point stays

        var resumed = new RunHistory();
        for (int b = 0; b < 5; b++) resumed.Add(new RunBatchProgress(1, 1, 2, b, 5, 1, 0));
        resumed.Add(new RunBatchProgress(1, 1, 2, 0, 5, 0.5, 0)); // the worker restarted epoch 2
        Assert.Equal(1, resumed.BatchCount);
    }

    [Fact]
    public void Remaining_time_follows_the_pace_so_far()
    {
        Assert.Equal(TimeSpan.FromMinutes(30), RunHistory.EstimateRemaining(0.25, TimeSpan.FromMinutes(10)));
        Assert.Null(RunHistory.EstimateRemaining(0, TimeSpan.FromMinutes(10)));
        Assert.Null(RunHistory.EstimateRemaining(1, TimeSpan.FromMinutes(10)));
    }

    /// <summary>A bUnit context with what the run page needs, signed in as <paramref name="member"/>.</summary>
    internal static BunitContext RunPageContext(WorkbenchApp app, long teamId, Sensorium.Storage.Accounts.User member)
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(app.Get<RunQueue>());
        context.Services.AddSingleton(app.Get<RunMetricStore>());
        context.Services.AddSingleton(app.Get<TrainingNotifications>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Submissions.RunSubmissionMaker>()); // the page's submit panel
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Submissions.SubmissionService>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Submissions.SubmissionVisibility>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Submissions.SubmissionAdmission>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Leaderboards.LeaderboardService>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Submissions.SubmissionNotifications>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Runs.Artifacts.RunArtifacts>()); // the page's artifacts panel
        context.Services.AddSingleton(TimeProvider.System);
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Queue.DeviceMonitor>()); // the page's device panel
        context.Services.AddSingleton(app.Get<Microsoft.Extensions.Options.IOptions<Sensorium.Web.Hosting.WorkbenchOptions>>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Neurons.InSilicoJobs>()); // the page's per-neuron scores
        context.AddAuthorization().SetAuthorized(member.UserName)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, member.Id.ToString()), new Claim(WorkbenchClaims.TeamId, teamId.ToString()));
        return context;
    }

    [Fact]
    public async Task Run_page_shows_the_history_so_far_and_draws_a_new_epoch_live()
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        var run = await app.Get<RunStore>().CreateAsync(new NewRun(team.Id, member.Id, "sota-baseline", "{\"seed\":1,\"dataset\":{\"track\":\"sensorium\\u002B\"}}", null));
        await app.Get<RunStore>().TransitionAsync(run.Id, RunStatus.Running, "cpu");
        var recorder = app.Get<RunProgressRecorder>();
        for (int b = 0; b < 4; b++) await recorder.BatchAsync(run.Id, 1, b, 4, 2.0 - 0.1 * b, 0.025 * (b + 1));
        await recorder.EpochAsync(run.Id, Epoch(1, 0.20), progress: 1 / 10.0);
        await recorder.EpochAsync(run.Id, Epoch(2, 0.24, lr: 0.0027), progress: 2 / 10.0);

        await using var context = RunPageContext(app, team.Id, member);

        var cut = context.Render<RunDetailPage>(p => p.Add(c => c.RunId, run.Id));
        IReadOnlyList<string?> Points(string chart, string series) =>
            cut.FindAll($"figure[data-chart='{chart}'] g.chart-series[data-series='{series}']").Select(g => g.GetAttribute("data-points")).ToList();

        cut.WaitForAssertion(() => Assert.Equal(["2"], Points("Validation correlation (single trial)", "mean")));
        Assert.Equal(["2"], Points("Validation correlation (single trial)", "26872-17-20"));
        Assert.Equal(["4"], Points("Training loss", "batch loss"));
        Assert.Equal(["2"], Points("Learning rate", "learning rate"));
        Assert.Contains("best: epoch 2", cut.Markup);
        Assert.Contains("\"track\": \"sensorium+\"", cut.Find(".spec-view").TextContent); // as people read it, not "sensorium\u002B"
        Assert.DoesNotContain("u002B", cut.Markup);

        await recorder.EpochAsync(run.Id, Epoch(3, 0.27), progress: 3 / 10.0);
        cut.WaitForAssertion(() => Assert.Equal(["3"], Points("Validation correlation (single trial)", "mean")));
        Assert.Contains("best: epoch 3", cut.Markup);
        Assert.Contains("0.2700", cut.Find(".run-best").TextContent);

        // Batch events are published at most every PublishInterval per run: wait one out so this one is not thinned.
        await Task.Delay(RunProgressRecorder.PublishInterval + TimeSpan.FromMilliseconds(100));
        await recorder.BatchAsync(run.Id, 4, 0, 4, 0.8, 0.31);
        cut.WaitForAssertion(() => Assert.Equal(["5"], Points("Training loss", "batch loss")), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Stop_and_keep_best_on_the_run_page_shows_the_pending_request_then_why_the_run_ended()
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        var run = await app.Get<RunStore>().CreateAsync(new NewRun(team.Id, member.Id, "capped", "{\"seed\":1}", null));
        await app.Get<RunStore>().TransitionAsync(run.Id, RunStatus.Running, "cpu");
        var recorder = app.Get<RunProgressRecorder>();
        await recorder.EpochAsync(run.Id, Epoch(1, 0.20), progress: 1 / 10.0);

        await using var context = RunPageContext(app, team.Id, member);
        var cut = context.Render<RunDetailPage>(p => p.Add(c => c.RunId, run.Id));
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("button.run-stop-keep")));
        Assert.Empty(cut.FindAll(".run-stop-reason"));

        cut.Find("button.run-stop-keep").Click();
        cut.WaitForAssertion(() => Assert.Contains($"Stop requested by {member.UserName}", cut.Find(".run-stop-pending").TextContent));
        Assert.Empty(cut.FindAll("button.run-stop-keep")); // asked once; the button is gone
        var runDir = app.Get<Sensorium.Web.Features.Runs.Worker.ProcessRunLauncher>().RunDirectory(run.Id);
        Assert.Equal(member.UserName, Sensorium.Training.StopRequest.Read(runDir)!.By);

        // The worker honours it at the epoch's end and reports why it ended.
        var reader = new Sensorium.Web.Features.Runs.Worker.WorkerEventReader(run.Id, 10, recorder,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        await reader.HandleAsync(new TrainingFinished(2, 0.2, 1, new Dictionary<string, double>(), $"stopped by {member.UserName} after epoch 2; best epoch 1", 60));
        await recorder.FinishAsync(run.Id, RunStatus.Succeeded);
        cut.WaitForAssertion(() => Assert.Contains($"Training ended: stopped by {member.UserName} after epoch 2; best epoch 1.", cut.Find(".run-stop-reason").TextContent));
        Assert.Empty(cut.FindAll(".run-stop-pending"));
    }

    [Fact]
    public async Task A_diverged_run_shows_its_incidents_live_as_alerts_and_curve_markers_and_a_diverged_chip()
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        var run = await app.Get<RunStore>().CreateAsync(new NewRun(team.Id, member.Id, "sota", "{\"seed\":1}", null));
        await app.Get<RunStore>().TransitionAsync(run.Id, RunStatus.Running, "cpu");
        var recorder = app.Get<RunProgressRecorder>();
        for (int b = 0; b < 4; b++) await recorder.BatchAsync(run.Id, 1, b, 4, 2.0 - 0.1 * b, 0.025 * (b + 1));
        await recorder.EpochAsync(run.Id, Epoch(1, 0.20), progress: 1 / 10.0);
        await recorder.IncidentAsync(run.Id, 2, 3, "loss NaN", recovered: true, learningRate: 0.0027);

        await using var context = RunPageContext(app, team.Id, member);

        var cut = context.Render<RunDetailPage>(p => p.Add(c => c.RunId, run.Id));
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-incident='recovered']")));
        Assert.Contains("Recovered from non-finite numbers at epoch 2, batch 3", cut.Find("[data-incident='recovered']").TextContent);
        Assert.Contains("recovered: loss NaN", cut.Markup); // the marker on the curves

        // Live: the guard stops the run; the page shows the incident and the chip says diverged once the status changes.
        await recorder.IncidentAsync(run.Id, 3, 1, "loss NaN", recovered: false, learningRate: 0.0027);
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-incident='diverged']")));
        Assert.Contains("diverged: loss NaN", cut.Markup);
        await recorder.FinishAsync(run.Id, RunStatus.Failed, Sensorium.Web.Features.Runs.Worker.ProcessRunLauncher.DivergedMessage(
            new TrainingFinished(3, 0.2, 1, new Dictionary<string, double>(), "diverged at epoch 3, batch 1 (loss NaN)", 60, true, 1)));
        cut.WaitForAssertion(() => Assert.Equal("diverged", cut.Find(".run-status").GetAttribute("data-outcome")));
        Assert.Equal("failed", cut.Find(".run-status").GetAttribute("data-status"));
        Assert.Contains("Training diverged at epoch 3, batch 1 (loss NaN). The model kept is the best before it: epoch 1, validation 0.2000.", cut.Markup);
    }

    [Fact]
    public async Task The_worker_reports_the_loss_per_trial_which_is_stored_and_drawn_with_its_unit()
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        var run = await app.Get<RunStore>().CreateAsync(new NewRun(team.Id, member.Id, "per-trial", "{\"seed\":1}", null));
        await app.Get<RunStore>().TransitionAsync(run.Id, RunStatus.Running, "cpu");
        var reader = new Sensorium.Web.Features.Runs.Worker.WorkerEventReader(run.Id, 10, app.Get<RunProgressRecorder>(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        string Line(TrainingEvent e) => WorkerProtocol.Line(e);
        // As the trainer reports them: objective 331,200 for a batch of 128 trials of a mouse with 5,994 trials.
        double divisor = 128 * Math.Sqrt(5994.0 / 128);
        for (int b = 1; b <= 4; b++)
            Assert.True(await reader.HandleAsync(Line(new BatchProgress(1, b, 4, "26872-17-20", 331_200 - b, 60, 1, (331_200 - b) / divisor))));
        Assert.True(await reader.HandleAsync(Line(new EpochCompleted(1, 331_000, new Dictionary<string, double> { ["26872-17-20"] = 0.2 },
            0.2, 0.005, 10, 60, true, 0.2, 1, 0, 100, 331_000 / divisor))));

        var batches = await app.Get<RunMetricStore>().ListBatchesAsync(run.Id);
        Assert.Equal(4, batches.Count);
        Assert.All(batches, b => Assert.Equal(b.Loss / divisor, b.LossPerTrial, 6));
        Assert.Equal(331_000 / divisor, Assert.Single(await app.Get<RunMetricStore>().ListEpochsAsync(run.Id)).TrainLossPerTrial, 6);

        await using var context = RunPageContext(app, team.Id, member);
        var cut = context.Render<RunDetailPage>(p => p.Add(c => c.RunId, run.Id));
        cut.WaitForAssertion(() => Assert.Equal("loss per trial (Poisson, Σ over neurons)", cut.Find("figure[data-chart='Training loss'] .chart-y-label").TextContent));
        // The axis is in per-trial units (about 1,000 here), not the batch sum in the hundred-thousands.
        var ticks = cut.FindAll("figure[data-chart='Training loss'] .chart-y-tick text").Select(t => t.TextContent).ToList();
        Assert.DoesNotContain(ticks, t => t.EndsWith('k'));
        Assert.Contains("one trial's Poisson loss summed over the mouse's neurons", cut.Find(".loss-units").TextContent);
    }

    [Fact]
    public async Task A_run_recorded_before_the_loss_per_trial_shows_the_batch_objective_with_its_scale_stated()
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        var run = await app.Get<RunStore>().CreateAsync(new NewRun(team.Id, member.Id, "old", "{\"seed\":1}", null));
        await app.Get<RunStore>().TransitionAsync(run.Id, RunStatus.Running, "cpu");
        var recorder = app.Get<RunProgressRecorder>();
        for (int b = 0; b < 4; b++) await recorder.BatchAsync(run.Id, 1, b, 4, 300_000 - b, 0.025 * (b + 1));

        await using var context = RunPageContext(app, team.Id, member);
        var cut = context.Render<RunDetailPage>(p => p.Add(c => c.RunId, run.Id));
        cut.WaitForAssertion(() => Assert.Equal("loss per batch (√(T/B)·Σ trials × neurons)", cut.Find("figure[data-chart='Training loss'] .chart-y-label").TextContent));
        Assert.Contains("Recorded before the loss per trial was reported", cut.Find(".loss-units").TextContent);
    }

    [Fact]
    public async Task A_drag_zooms_every_curve_of_the_run_to_that_epoch_range_and_reset_shows_all_again()
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        var run = await app.Get<RunStore>().CreateAsync(new NewRun(team.Id, member.Id, "zoom", "{\"seed\":1}", null));
        await app.Get<RunStore>().TransitionAsync(run.Id, RunStatus.Running, "cpu");
        var recorder = app.Get<RunProgressRecorder>();
        for (int e = 1; e <= 10; e++)
        {
            for (int b = 0; b < 4; b++) await recorder.BatchAsync(run.Id, e, b, 4, 10.0 / e - 0.1 * b, e / 10.0, lossPerTrial: 1.0 / e);
            await recorder.EpochAsync(run.Id, Epoch(e, 0.02 * e), progress: e / 10.0);
        }

        await using var context = RunPageContext(app, team.Id, member);
        var cut = context.Render<RunDetailPage>(p => p.Add(c => c.RunId, run.Id));
        cut.WaitForAssertion(() => Assert.Equal(4, cut.FindAll("figure.chart-zoomable").Count));
        Assert.All(cut.FindAll("figure.chart-zoomable"), f => Assert.Equal("false", f.GetAttribute("data-zoomed")));
        Assert.True(cut.Find(".zoom-reset").HasAttribute("disabled"));

        // The drag (charts.js) hands the chart two x positions in viewBox units: the plot spans 60..546.
        var loss = cut.FindComponents<LineChart>().First(c => c.Instance.Title == "Training loss");
        var lossFigure = cut.Find("figure[data-chart='Training loss']");
        double xMin = double.Parse(lossFigure.GetAttribute("data-x-min")!, System.Globalization.CultureInfo.InvariantCulture);
        double xMax = double.Parse(lossFigure.GetAttribute("data-x-max")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal((0.25, 10.0), (xMin, xMax)); // the first batch ends at a quarter of epoch 1
        double Pixel(double epoch) => 60 + (epoch - xMin) / (xMax - xMin) * (546 - 60);
        await cut.InvokeAsync(() => loss.Instance.ZoomToPixels(Pixel(6), Pixel(3)));
        cut.WaitForAssertion(() => Assert.All(cut.FindAll("figure.chart-zoomable"), f =>
        {
            Assert.Equal("true", f.GetAttribute("data-zoomed"));
            Assert.Equal(3, double.Parse(f.GetAttribute("data-x-min")!, System.Globalization.CultureInfo.InvariantCulture), 1);
            Assert.Equal(6, double.Parse(f.GetAttribute("data-x-max")!, System.Globalization.CultureInfo.InvariantCulture), 1);
        }));
        Assert.Contains("(zoomed)", cut.Find(".zoom-hint").TextContent);
        // The y axis fits what is shown: the correlation axis tops out near epoch 6's 0.12, not epoch 10's 0.2.
        var correlationTicks = cut.FindAll("figure[data-chart='Validation correlation (single trial)'] .chart-y-tick text")
            .Select(t => double.Parse(t.TextContent, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(correlationTicks.Max() < 0.2, string.Join(", ", correlationTicks));

        // A click (no drag) changes nothing.
        await cut.InvokeAsync(() => loss.Instance.ZoomToPixels(Pixel(4), Pixel(4)));
        Assert.Equal("true", cut.Find("figure.chart-zoomable").GetAttribute("data-zoomed"));

        cut.Find(".zoom-reset").Click();
        cut.WaitForAssertion(() => Assert.All(cut.FindAll("figure.chart-zoomable"), f => Assert.Equal("false", f.GetAttribute("data-zoomed"))));
        Assert.Contains("All epochs", cut.Find(".zoom-hint").TextContent);

        // The fields zoom too (keyboard users): from epoch 2 to 5.
        cut.Find(".zoom-from input").Change("2");
        cut.Find(".zoom-to input").Change("5");
        cut.WaitForAssertion(() => Assert.Equal("5", cut.Find("figure[data-chart='Learning rate']").GetAttribute("data-x-max")));
        Assert.Equal("2", cut.Find("figure[data-chart='Learning rate']").GetAttribute("data-x-min"));
    }

    [Fact]
    public async Task A_member_edits_notes_and_tags_on_the_run_page_and_bad_tags_are_explained()
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        var run = await app.Get<RunStore>().CreateAsync(new NewRun(team.Id, member.Id, "notes", "{\"seed\":1}", null));

        await using var context = RunPageContext(app, team.Id, member);
        var cut = context.Render<RunDetailPage>(p => p.Add(c => c.RunId, run.Id));
        cut.WaitForAssertion(() => Assert.Contains("No tags.", cut.Find(".run-notes").TextContent));

        cut.Find(".run-notes-edit").Click();
        cut.Find(".run-tags-input input").Input("baseline, bad tag!");
        cut.Find(".run-notes-input textarea").Input("first try");
        cut.Find(".run-notes-save").Click();
        cut.WaitForAssertion(() => Assert.Contains("Tag 'tag!' may contain only letters, digits", cut.Find(".run-notes").TextContent));
        Assert.Equal("", (await app.Get<RunStore>().GetAsync(run.Id))!.Tags);

        cut.Find(".run-tags-input input").Input("baseline lr-sweep");
        cut.Find(".run-notes-save").Click();
        cut.WaitForAssertion(() => Assert.Equal(["baseline", "lr-sweep"], cut.FindAll(".run-notes .run-tag").Select(t => t.TextContent.Trim())));
        Assert.Equal("first try", cut.Find(".run-notes-text").TextContent);
        var stored = (await app.Get<RunStore>().GetAsync(run.Id))!;
        Assert.Equal(("first try", "baseline,lr-sweep"), (stored.Notes, stored.Tags));
    }
}
