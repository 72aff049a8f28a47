using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using Sensorium.Data.Submissions;
using Sensorium.Storage;
using Sensorium.Storage.Accounts;
using Sensorium.Storage.Datasets;
using Sensorium.Storage.Runs;
using Sensorium.Training;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Datasets;
using Sensorium.Web.Features.Datasets.FirstDataset;
using Sensorium.Web.Features.Ensembles;
using Sensorium.Web.Features.Runs;
using Sensorium.Web.Features.Runs.Charts;
using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Features.Submissions;
using Sensorium.Web.Features.Sweeps;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Tests.Views;

/// <summary>
/// The forms say why something is missing or disabled and what to do (a member and an administrator are told
/// different things): New run and New sweep with no usable dataset, New ensemble with fewer than two runs chosen,
/// the Benchmark page with no ground truth; the New run time-limit field's bad values; the run page's time left
/// under a time limit. Real SQLite files and the app's services.
/// </summary>
public sealed class EmptyStatesTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("sensorium-empty-").FullName;

    public void Dispose()
    {
        Database.ClearPools();
        Directory.Delete(root, recursive: true);
    }

    /// <summary>A dataset store over its own empty database (the app's has the test dataset).</summary>
    DatasetStore EmptyStore()
    {
        var database = new Database(Path.Combine(root, "datasets.db"));
        database.Initialize();
        return new DatasetStore(database, TimeProvider.System);
    }

    /// <summary>A registry over a store of its own (<see cref="EmptyStore"/> unless given).</summary>
    void UseRegistry(BunitContext context, DatasetStore? store = null)
    {
        store ??= EmptyStore();
        context.Services.AddSingleton(sp => new DatasetRegistry(store, Options.Create(new WorkbenchOptions { DatasetRoot = root }), sp));
    }

    /// <summary>The app's registry (it has the test dataset) and an idle first-dataset status.</summary>
    static void UseAppDatasets(BunitContext context, WorkbenchApp app)
    {
        context.Services.AddSingleton(new FirstDatasetStatus());
        context.Services.AddSingleton(app.Get<DatasetRegistry>());
    }

    static BunitContext Context(WorkbenchApp app, Team team, User member, bool admin)
    {
        var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(app.Get<RunQueue>());
        context.Services.AddSingleton(app.Get<SeedEnsembles>());
        context.Services.AddSingleton(app.Get<EnsembleJobs>());
        context.Services.AddSingleton(app.Get<SweepService>());
        var auth = context.AddAuthorization().SetAuthorized(member.UserName)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, member.Id.ToString()), new Claim(WorkbenchClaims.TeamId, team.Id.ToString()));
        if (admin) auth.SetPolicies(WorkbenchPolicies.Admin);
        return context;
    }

    [Theory]
    [InlineData(false, "Ask an administrator to register one on the")]
    [InlineData(true, "Register a folder in the official layout on the")]
    public async Task New_run_with_no_dataset_says_why_and_what_to_do_and_disables_queuing(bool admin, string says)
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        await using var context = Context(app, team, member, admin);
        var status = new FirstDatasetStatus();
        context.Services.AddSingleton(status);
        UseRegistry(context);

        var cut = context.Render<NewRunPage>();
        var alert = cut.Find(".no-dataset");
        Assert.Equal("none", alert.GetAttribute("data-state"));
        Assert.Contains("No dataset is registered yet, and runs need one.", alert.Text());
        Assert.Contains(says, alert.Text());
        Assert.Equal("/datasets", cut.Find(".no-dataset a.no-dataset-link").GetAttribute("href"));
        if (!admin) Assert.DoesNotContain("Register a folder", alert.Text());
        Assert.True(cut.Find("button.queue-run").HasAttribute("disabled"));
        Assert.True(cut.Find("button.queue-seed-ensemble").HasAttribute("disabled"));
        Assert.Contains("needs a registered dataset", cut.Find(".queue-run-why").Text());
        Assert.Contains("None to choose: see above", cut.Find(".field-dataset").Text());
    }

    [Fact]
    public async Task New_run_names_a_registered_dataset_whose_folder_is_gone_and_the_first_dataset_being_generated()
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        await using var context = Context(app, team, member, admin: false);
        var status = new FirstDatasetStatus();
        context.Services.AddSingleton(status);
        var store = EmptyStore();
        UseRegistry(context, store);
        var gone = Directory.CreateDirectory(Path.Combine(root, "gone")).FullName;
        var dataset = await store.CreateAsync("gone", gone, registeredBy: null);
        await store.SetStatusAsync(dataset.Id, DatasetStatus.Missing, "the folder is missing");

        var cut = context.Render<NewRunPage>();
        Assert.Equal("missing", cut.Find(".no-dataset").GetAttribute("data-state"));
        Assert.Contains("the folder of gone is missing", cut.Find(".no-dataset").Text());
        Assert.Contains("Ask an administrator to restore it or register another", cut.Find(".no-dataset").Text());

        status.Set(FirstDatasetState.Generating, "synthetic-small", "Generating…", 0.4);
        cut = context.Render<NewRunPage>();
        Assert.Equal("generating", cut.Find(".no-dataset").GetAttribute("data-state"));
        Assert.Contains("synthetic-small is still being generated (40", cut.Find(".no-dataset").Text());
        Assert.True(cut.Find("button.queue-run").HasAttribute("disabled"));
    }

    [Fact]
    public async Task New_run_with_a_dataset_has_no_alert_and_queues()
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        await using var context = Context(app, team, member, admin: false);
        UseAppDatasets(context, app);

        var cut = context.Render<NewRunPage>();
        Assert.Empty(cut.FindAll(".no-dataset"));
        Assert.Empty(cut.FindAll(".queue-run-why"));
        Assert.False(cut.Find("button.queue-run").HasAttribute("disabled"));
    }

    /// <summary>0, negative, text and over a week are refused at the field, naming the limit; nothing is queued. A good value is queued.</summary>
    [Theory]
    [InlineData("0", "The time limit must be more than 0 and at most 10080 minutes")]
    [InlineData("-5", "The time limit must be more than 0 and at most 10080 minutes")]
    [InlineData("20000", "The time limit must be more than 0 and at most 10080 minutes")]
    [InlineData("100000", "The time limit must be more than 0 and at most 10080 minutes")]
    [InlineData("ten", "Not a valid number")]
    [InlineData("2.5", null)]
    public async Task The_time_limit_field_refuses_bad_values_and_queues_a_good_one(string typed, string? error)
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        await using var context = Context(app, team, member, admin: false);
        UseAppDatasets(context, app);

        var cut = context.Render<NewRunPage>();
        cut.Find(".field-max-minutes input").Change(typed);
        await cut.Find("button.queue-run").ClickAsync(new());
        var queued = await app.Get<RunQueue>().ListAsync(team.Id);
        if (error is null)
        {
            var run = Assert.Single(queued);
            Assert.Equal(2.5, RunSpec.FromJson(run.SpecJson).Trainer.MaxMinutes);
            return;
        }
        cut.WaitForAssertion(() => Assert.Contains(error, cut.Find(".field-max-minutes").Text()));
        Assert.Empty(queued);
    }

    [Theory]
    [InlineData(false, "Ask an administrator to register one")]
    [InlineData(true, "Register a folder in the official layout")]
    public async Task New_sweep_with_no_dataset_names_none_in_its_base_spec_says_why_and_disables_queuing(bool admin, string says)
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        await using var context = Context(app, team, member, admin);
        context.Services.AddSingleton(new FirstDatasetStatus());
        UseRegistry(context);

        var cut = context.Render<NewSweepPage>();
        var baseSpec = cut.Find(".sweep-base textarea").Text() + cut.Find(".sweep-base textarea").GetAttribute("value");
        Assert.DoesNotContain("small", baseSpec);
        Assert.DoesNotContain("\"name\"", baseSpec);
        Assert.Contains("No dataset is registered yet, and a sweep's runs need one.", cut.Find(".no-dataset").Text());
        Assert.Contains(says, cut.Find(".no-dataset").Text());
        Assert.True(cut.Find("button.sweep-queue").HasAttribute("disabled"));
        Assert.Contains("Preview works without one", cut.Find(".sweep-queue-why").Text());
    }

    [Fact]
    public async Task New_sweep_defaults_to_a_registered_dataset()
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        await using var context = Context(app, team, member, admin: false);
        UseAppDatasets(context, app);

        var cut = context.Render<NewSweepPage>();
        var baseSpec = cut.Find(".sweep-base textarea").Text() + cut.Find(".sweep-base textarea").GetAttribute("value");
        Assert.Contains($"\"name\": \"{WorkbenchApp.DatasetName}\"", baseSpec);
        Assert.Empty(cut.FindAll(".no-dataset"));
        Assert.False(cut.Find("button.sweep-queue").HasAttribute("disabled"));
    }

    [Fact]
    public async Task New_ensemble_says_why_it_cannot_be_made_yet_and_what_to_do()
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        await using var context = Context(app, team, member, admin: false);

        string Why() => context.Render<NewEnsemblePage>().Find(".create-ensemble-why").Text();
        Assert.Contains("An ensemble needs at least two finished runs: train some first", Why());

        var first = await EnsembleTests.FinishedRunAsync(app, team.Id, member.Id, EnsembleTests.TinySpec(WorkbenchApp.DatasetName, 1), train: false);
        Assert.Contains("your team has one: train another", Why());

        await EnsembleTests.FinishedRunAsync(app, team.Id, member.Id, EnsembleTests.TinySpec(WorkbenchApp.DatasetName, 2), train: false);
        var cut = context.Render<NewEnsemblePage>();
        Assert.Contains("Tick at least two of the runs above (0 chosen).", cut.Find(".create-ensemble-why").Text());
        Assert.True(cut.Find("button.create-ensemble").HasAttribute("disabled"));
        cut.FindAll(".ensemble-member-check input")[0].Change(true);
        cut.WaitForAssertion(() => Assert.Contains("(1 chosen)", cut.Find(".create-ensemble-why").Text()));
        cut.FindAll(".ensemble-member-check input")[1].Change(true);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".create-ensemble-why")));
        Assert.False(cut.Find("button.create-ensemble").HasAttribute("disabled"));
        Assert.Single(cut.FindAll($"tr[data-run='{first.Id}']"));
    }

    [Fact]
    public async Task The_benchmark_page_says_when_the_host_copy_is_missing_and_what_to_do()
    {
        using var app = new WorkbenchApp();
        var (team, admin) = await app.CreateTeamAsync("hosts");
        await using var context = Context(app, team, admin, admin: true);
        context.Services.AddSingleton(app.Get<SubmissionVisibility>());
        var truths = app.Get<GroundTruthSource>();
        context.Services.AddSingleton(truths);

        var cut = context.Render<SubmissionsAdminPage>();
        var sensorium = cut.Find($"[data-testid=admin-track-{Tracks.Slug(Tracks.Sensorium)}]");
        Assert.Equal(2, sensorium.QuerySelectorAll(".truth-missing").Length);
        Assert.Contains("missing: the folder does not exist", sensorium.QuerySelector(".truth-missing")!.Text());
        var help = cut.Find(".truth-missing-help").Text();
        Assert.Contains("Import the official ground-truth CSV of that track and tier below", help);
        Assert.Contains("Submissions:TruthPath", help);
        Assert.Contains(truths.HostCopyPath, help);

        // The host copy holds the sensorium track's mouse only: that row is fine, the other names what it lacks.
        string mouse = SubmissionTiers.MouseOfTrack(Tracks.Sensorium);
        Directory.CreateDirectory(Path.Combine(truths.HostCopyPath, $"static{mouse}-GrayImageNet-94c6ff995dac583098847cfecd43e7b6"));
        cut = context.Render<SubmissionsAdminPage>();
        Assert.Empty(cut.Find($"[data-testid=admin-track-{Tracks.Slug(Tracks.Sensorium)}]").QuerySelectorAll(".truth-missing"));
        var other = Tracks.All.Single(t => t != Tracks.Sensorium);
        var otherRow = cut.Find($"[data-testid=admin-track-{Tracks.Slug(other)}]");
        Assert.Contains($"it holds no mouse {SubmissionTiers.MouseOfTrack(other)} (only {mouse})", otherRow.QuerySelector(".truth-missing")!.Text());
        Assert.NotEmpty(cut.FindAll(".truth-missing-help"));
    }

    sealed class SettableClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task The_run_pages_time_left_counts_the_time_limit_when_it_comes_first()
    {
        using var app = new WorkbenchApp();
        var (team, member) = await app.CreateTeamAsync("alpha");
        var store = app.Get<RunStore>();
        var run = await store.CreateAsync(new NewRun(team.Id, member.Id, "capped", "{\"seed\":1,\"trainer\":{\"maxMinutes\":5}}", null));
        run = await store.TransitionAsync(run.Id, RunStatus.Running, "cpu");
        await app.Get<RunProgressRecorder>().EpochAsync(run.Id, new EpochCompleted(1, TrainLoss: 1,
            new Dictionary<string, double> { ["26872-17-20"] = 0.2 }, Objective: 0.2, 0.009, EpochSeconds: 12, SamplesPerSecond: 0,
            Improved: true, BestObjective: 0.2, BestEpoch: 1, Round: 0, EtaSeconds: double.NaN), progress: 0.1);
        var clock = new SettableClock(run.StartedAt!.Value + TimeSpan.FromMinutes(2));

        await using var context = RunCurvesTests.RunPageContext(app, team.Id, member);
        context.Services.AddSingleton<TimeProvider>(clock);
        var cut = context.Render<RunDetailPage>(p => p.Add(c => c.RunId, run.Id));
        // At this pace (10 % in 2 min) 18 min are left, but the 5-min limit ends it in about 3.
        cut.WaitForAssertion(() => Assert.Equal("≈ 3 min 0 s (time limit 5 min)", cut.Find(".run-eta").Text().Trim()));

        clock.Now = run.StartedAt!.Value + TimeSpan.FromMinutes(6);
        cut.Render();
        Assert.Equal("this epoch's end (time limit 5 min reached)", cut.Find(".run-eta").Text().Trim());

        Assert.Equal((TimeSpan.FromMinutes(18), false), RunHistory.EstimateRemaining(0.1, TimeSpan.FromMinutes(2), 30));
        Assert.Equal((TimeSpan.FromMinutes(18), false), RunHistory.EstimateRemaining(0.1, TimeSpan.FromMinutes(2), null));
        Assert.Equal((TimeSpan.FromMinutes(3), true), RunHistory.EstimateRemaining(0, TimeSpan.FromMinutes(2), 5)); // no pace yet
    }
}

file static class TextOfElements
{
    /// <summary>An element's text with runs of white space (Razor's line breaks) as one space.</summary>
    public static string Text(this AngleSharp.Dom.INode node) => System.Text.RegularExpressions.Regex.Replace(node.TextContent, @"\s+", " ");
}
