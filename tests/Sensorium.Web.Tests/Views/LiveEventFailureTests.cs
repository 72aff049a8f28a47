using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MudBlazor;
using MudBlazor.Services;
using Sensorium.Storage;
using Sensorium.Storage.Datasets;
using Sensorium.Web.Features.Datasets;
using Sensorium.Web.Features.Datasets.FirstDataset;
using Sensorium.Storage.Runs;
using Sensorium.Training.Sweeps;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Sweeps;
using Sensorium.Web.Features.Training;
using Sensorium.Web.Hosting;

namespace Sensorium.Web.Tests.Views;

/// <summary>
/// A page's work for a live event runs outside any awaiting caller (Components/LiveComponent): when it fails — here the
/// real SQLite store lost its table under the page — the failure is logged with what the page was doing and shown in a
/// snackbar naming it, not left in a task nobody observes; the page keeps living. With them, the other failures the
/// pages used to pass over in silence (a first-dataset subscriber that throws, a clone whose spec does not read, a
/// dataset folder gone).
/// </summary>
public sealed class LiveEventFailureTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("sensorium-liveevent-").FullName;

    public void Dispose()
    {
        Database.ClearPools();
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task A_live_refresh_that_fails_on_the_store_is_logged_and_shown_and_the_page_stays()
    {
        var database = new Database(Path.Combine(root, "workbench.db"));
        database.Initialize();
        var store = new DatasetStore(database, TimeProvider.System);
        var status = new FirstDatasetStatus();
        status.Set(FirstDatasetState.Generating, "synthetic-small", "Generating the synthetic-small dataset: mouse 3 of 7…", 0.3);
        var logs = new LogCollector();

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton<ILoggerFactory>(new LoggerFactory([logs]));
        context.Services.AddSingleton(sp => new DatasetRegistry(store, Options.Create(new WorkbenchOptions { DatasetRoot = root }), sp));
        context.Services.AddSingleton(status);
        context.AddAuthorization().SetAuthorized("demo");

        var page = context.Render<DatasetsPage>();
        Assert.Equal("generating", page.Find(".datasets-empty").GetAttribute("data-state"));

        // The store breaks under the open page (its table gone), then the first-start dataset's "ready" event arrives:
        // the page's refresh reads the list and fails.
        await using (var connection = database.Open())
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "ALTER TABLE datasets RENAME TO datasets_elsewhere";
            await command.ExecuteNonQueryAsync();
        }
        status.Set(FirstDatasetState.Ready, "synthetic-small", "The synthetic-small dataset is ready.", 1);

        var snackbar = context.Services.GetRequiredService<ISnackbar>();
        page.WaitForAssertion(() => Assert.Contains(snackbar.ShownSnackbars, s => s.Message is { } m
            && m.StartsWith("Refreshing the dataset list failed:", StringComparison.Ordinal) && m.Contains("no such table: datasets", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
        var logged = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("DatasetsPage: Refreshing the dataset list failed.", logged.Message);
        Assert.Contains("no such table: datasets", logged.Exception?.Message);

        // The page lives on (no circuit error), with the empty list it showed.
        Assert.NotEmpty(page.FindAll(".datasets-empty"));
    }

    /// <summary>The awaited kind (the training notifications wait for each handler): the sweep page re-reads its sweep
    /// when one of its runs changes status; the sweeps table is gone, so the re-read fails — the user is told, not only the
    /// notifications' own warning in the server log.</summary>
    [Fact]
    public async Task A_training_event_whose_handler_fails_on_the_store_is_logged_and_shown_by_the_page()
    {
        using var app = new WorkbenchApp();
        var (alpha, a) = await app.CreateTeamAsync("alpha");
        var (sweep, runs, errors) = await app.Get<SweepService>().CreateAsync(alpha.Id, a.Id, new SweepRequest("lr",
            System.Text.Json.JsonSerializer.SerializeToElement(new { dataset = new { path = WorkbenchApp.DatasetName } }), "grid", null, null,
            [new SweepAxis { Field = "trainer.lrInit", Values = [System.Text.Json.JsonSerializer.SerializeToElement(0.003), System.Text.Json.JsonSerializer.SerializeToElement(0.009)] }], null));
        Assert.True(sweep is not null, string.Join("; ", errors.SelectMany(e => e.Value)));
        var logs = new LogCollector();

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton<ILoggerFactory>(new LoggerFactory([logs]));
        context.Services.AddSingleton(app.Get<SweepService>());
        context.Services.AddSingleton(app.Get<TrainingNotifications>());
        context.AddAuthorization().SetAuthorized(a.UserName)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, a.Id.ToString()), new Claim(WorkbenchClaims.TeamId, alpha.Id.ToString()));
        var cut = context.Render<SweepPage>(p => p.Add(c => c.Id, sweep.Id));
        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll(".sweep-runs tbody tr").Count), TimeSpan.FromSeconds(30));

        await using (var connection = app.Get<Database>().Open())
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "ALTER TABLE sweeps RENAME TO sweeps_elsewhere";
            await command.ExecuteNonQueryAsync();
        }
        await app.Get<TrainingNotifications>().PublishAsync(new RunStatusChanged(runs[0].Id, alpha.Id, RunStatus.Running, "cpu", null, DateTimeOffset.UtcNow));

        var snackbar = context.Services.GetRequiredService<ISnackbar>();
        cut.WaitForAssertion(() => Assert.Contains(snackbar.ShownSnackbars, s => s.Message is { } m
            && m.StartsWith("Updating the sweep failed:", StringComparison.Ordinal) && m.Contains("no such table: sweeps", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
        var logged = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("SweepPage: Updating the sweep failed.", logged.Message);
        Assert.Equal(2, cut.FindAll(".sweep-runs tbody tr").Count); // the page keeps what it showed
    }

    /// <summary>The first-start status calls its subscribers in turn: one that throws (a dead circuit) is logged, and the
    /// next still hears the change.</summary>
    [Fact]
    public void A_first_dataset_subscriber_that_throws_is_logged_and_the_others_still_hear_the_change()
    {
        var logs = new LogCollector();
        using var factory = new LoggerFactory([logs]);
        var status = new FirstDatasetStatus(factory.CreateLogger<FirstDatasetStatus>());
        int heard = 0;
        using var failing = status.Subscribe(() => throw new ObjectDisposedException("circuit"));
        using var working = status.Subscribe(() => heard++);

        status.Set(FirstDatasetState.Ready, "synthetic-small", "The synthetic-small dataset is ready.", 1);

        Assert.Equal(1, heard);
        var logged = Assert.Single(logs.Entries);
        Assert.Equal(LogLevel.Warning, logged.Level);
        Assert.Contains("Ready", logged.Message);
        Assert.IsType<ObjectDisposedException>(logged.Exception);
    }

    /// <summary>Cloning a run whose stored spec no longer reads (or a run that is not the team's) said nothing and showed
    /// the default form; now the form says why it starts from the defaults.</summary>
    [Fact]
    public async Task Cloning_a_run_whose_spec_cannot_be_read_or_that_is_not_there_says_so()
    {
        using var app = new WorkbenchApp();
        var (alpha, a) = await app.CreateTeamAsync("alpha");
        var run = (await app.Get<Sensorium.Web.Features.Runs.RunQueue>().SubmitAsync(alpha.Id, a.Id,
            new Sensorium.Web.Features.Runs.RunRequest("broken", System.Text.Json.JsonDocument.Parse(WorkbenchApp.SpecJson()).RootElement, null))).Run!;
        await using (var connection = app.Get<Database>().Open())
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE runs SET spec_json = '{{\"dataset\": 3}}' WHERE id = {run.Id}";
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Runs.RunQueue>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Ensembles.SeedEnsembles>());
        context.Services.AddSingleton(app.Get<DatasetRegistry>());
        context.Services.AddSingleton(new FirstDatasetStatus());
        context.AddAuthorization().SetAuthorized(a.UserName).SetPolicies(WorkbenchPolicies.TeamMember)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, a.Id.ToString()), new Claim(WorkbenchClaims.TeamId, alpha.Id.ToString()));
        var snackbar = context.Services.GetRequiredService<ISnackbar>();
        var navigation = context.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();

        navigation.NavigateTo($"/runs/new?clone={run.Id}");
        var page = context.Render<Sensorium.Web.Features.Runs.NewRunPage>();
        page.WaitForAssertion(() => Assert.Contains(snackbar.ShownSnackbars, s => s.Message is { } m
            && m.StartsWith($"Run #{run.Id}'s spec cannot be cloned:", StringComparison.Ordinal) && m.EndsWith("The form starts from the defaults.", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
        Assert.Empty(page.FindAll(".cloned-from"));

        navigation.NavigateTo($"/runs/new?clone={run.Id + 1000}");
        var other = context.Render<Sensorium.Web.Features.Runs.NewRunPage>();
        other.WaitForAssertion(() => Assert.Contains(snackbar.ShownSnackbars, s => s.Message == $"There is no run #{run.Id + 1000} of your team to clone: the form starts from the defaults."), TimeSpan.FromSeconds(30));
    }

    /// <summary>A registered dataset whose folder went away (not yet re-checked, so not marked missing) gave the form an
    /// empty list of mice and no word; now it says the dataset cannot be read and why.</summary>
    [Fact]
    public async Task The_new_run_form_says_when_the_chosen_dataset_cannot_be_read()
    {
        using var app = new WorkbenchApp();
        var (alpha, a) = await app.CreateTeamAsync("alpha");
        var folder = Directory.CreateDirectory(Path.Combine(app.DataDirectory, "datasets", "a-gone")).FullName;
        await app.Get<DatasetStore>().CreateAsync("a-gone", folder, registeredBy: null);
        Directory.Delete(folder);

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Runs.RunQueue>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Ensembles.SeedEnsembles>());
        context.Services.AddSingleton(app.Get<DatasetRegistry>());
        context.Services.AddSingleton(new FirstDatasetStatus());
        context.AddAuthorization().SetAuthorized(a.UserName).SetPolicies(WorkbenchPolicies.TeamMember)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, a.Id.ToString()), new Claim(WorkbenchClaims.TeamId, alpha.Id.ToString()));
        var snackbar = context.Services.GetRequiredService<ISnackbar>();

        var page = context.Render<Sensorium.Web.Features.Runs.NewRunPage>();
        page.WaitForAssertion(() => Assert.Contains(snackbar.ShownSnackbars, s => s.Message is { } m
            && m.StartsWith("The dataset a-gone cannot be read:", StringComparison.Ordinal) && m.Contains("not found", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));
    }

    sealed class LogCollector : ILoggerProvider, ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, string Message, Exception? Exception)> Entries { get; private init; } = new();
        public ILogger CreateLogger(string categoryName) => new LogCollector { Entries = Entries };
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((logLevel, formatter(state, exception), exception));
        public void Dispose() { }
    }
}
