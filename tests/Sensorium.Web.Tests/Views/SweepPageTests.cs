using System.Security.Claims;
using System.Text.Json;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Sensorium.Storage.Runs;
using Sensorium.Training.Sweeps;
using Sensorium.Web.Features.Accounts;
using Sensorium.Web.Features.Runs.Scheduling;
using Sensorium.Web.Features.Sweeps;
using Sensorium.Web.Features.Training;

namespace Sensorium.Web.Tests.Views;

/// <summary>The sweep page follows its runs live (the app's own notifications), marks the best and links its top K.</summary>
public sealed class SweepPageTests
{
    static JsonElement J(object value) => JsonSerializer.SerializeToElement(value);

    [Fact]
    public async Task The_sweep_page_follows_epochs_live_marks_the_best_run_sorts_and_links_the_top_k_to_an_ensemble()
    {
        using var app = new WorkbenchApp();
        var (alpha, a) = await app.CreateTeamAsync("alpha");
        var (sweep, runs, errors) = await app.Get<SweepService>().CreateAsync(alpha.Id, a.Id, new SweepRequest("lr",
            J(new { dataset = new { path = WorkbenchApp.DatasetName } }), "grid", null, null,
            [new SweepAxis { Field = "trainer.lrInit", Values = [J(0.003), J(0.009), J(0.02)] }], null));
        Assert.True(sweep is not null, string.Join("; ", errors.SelectMany(e => e.Value)));

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(app.Get<SweepService>());
        context.Services.AddSingleton(app.Get<TrainingNotifications>());
        context.AddAuthorization().SetAuthorized(a.UserName)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, a.Id.ToString()), new Claim(WorkbenchClaims.TeamId, alpha.Id.ToString()));
        var cut = context.Render<SweepPage>(p => p.Add(c => c.Id, sweep.Id));
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll(".sweep-runs tbody tr").Count));
        Assert.Contains("Ensemble top K", cut.Find(".sweep-ensemble").TextContent); // disabled: no scored run yet
        Assert.DoesNotContain("★ best", cut.Markup);

        var lifecycle = app.Get<RunLifecycle>();
        var recorder = app.Get<RunProgressRecorder>();
        await lifecycle.TransitionAsync(runs[0].Id, RunStatus.Running, device: "cpu");
        await lifecycle.TransitionAsync(runs[1].Id, RunStatus.Running, device: "cpu");
        await recorder.EpochAsync(runs[0].Id, Epoch(0.30), 0.5);
        await recorder.EpochAsync(runs[1].Id, Epoch(0.35), 0.5);

        cut.WaitForAssertion(() =>
        {
            Assert.Contains("0.3500", cut.Markup);
            Assert.Contains("0.3000", cut.Markup);
            var bestRow = cut.FindAll(".sweep-runs tbody tr").Single(r => r.TextContent.Contains("★ best"));
            Assert.Contains($"/runs/{runs[1].Id}", bestRow.InnerHtml);
            Assert.Equal($"/ensembles/new?runs={runs[1].Id},{runs[0].Id}", cut.Find("a.sweep-ensemble").GetAttribute("href"));
            Assert.Equal("2", cut.Find(".scatter-points").GetAttribute("data-points"));
            Assert.Equal("0.009", cut.Find(".scatter-marked").GetAttribute("data-x"));
        });

        // Sorting: by validation (best first), then by the swept field, descending on a second click.
        cut.Find("button.sort-score").Click();
        cut.WaitForAssertion(() => Assert.Contains($"/runs/{runs[1].Id}", cut.FindAll(".sweep-runs tbody tr")[0].InnerHtml));
        // The headers name their columns, the sorted one with its arrow (a Razor slip once printed "Status@Arrow(…)").
        Assert.Equal("Validation ↓", cut.Find("button.sort-score").TextContent.Trim());
        Assert.Equal("Status", cut.Find("button.sort-status").TextContent.Trim());
        cut.Find("button.sort-field").Click();
        cut.Find("button.sort-field").Click();
        cut.WaitForAssertion(() => Assert.Contains($"/runs/{runs[2].Id}", cut.FindAll(".sweep-runs tbody tr")[0].InnerHtml));

        // A run that ends is re-read (status change).
        await recorder.FinishAsync(runs[1].Id, RunStatus.Succeeded);
        cut.WaitForAssertion(() => Assert.Contains("data-status=\"succeeded\"", cut.Markup));
    }

    static Sensorium.Contracts.EpochCompleted Epoch(double objective) => new(1, 0.85,
        new Dictionary<string, double> { ["26872-17-20"] = objective }, objective, 0.009, 3.5, 0, true, objective, 1, 0, double.NaN);

    [Fact]
    public void Plots_put_numbers_at_their_value_a_log_range_at_log10_and_other_values_at_their_order()
    {
        var axes = J(new object[] { new { field = "trainer.lrInit", range = new { low = 0.001, high = 0.1, log = true } }, new { field = "trainer.onDivergence", values = new[] { "recover", "stop" } } });
        SweepRunResponse Run(long id, double? score, double lr, string onDivergence) => new(id, $"r{id}", RunStatus.Succeeded, 1, score, null,
            new Dictionary<string, JsonElement?> { ["trainer.lrInit"] = J(lr), ["trainer.onDivergence"] = J(onDivergence) });
        var rows = new[] { Run(1, 0.2, 0.001, "stop"), Run(2, 0.3, 0.01, "recover"), Run(3, null, 0.1, "stop"), Run(4, double.NaN, 0.1, "stop") };
        var best = SweepRows.Best(rows);
        Assert.Equal(2, best);
        Assert.Equal([2L, 1], SweepRows.Top(rows, 5));
        var plots = SweepPlots.Of(["trainer.lrInit", "trainer.onDivergence"], axes, rows, best);
        Assert.Equal("log10 trainer.lrInit", plots[0].XLabel);
        Assert.Equal([-3.0, -2.0], plots[0].Points.Select(p => Math.Round(p.X, 9)));
        Assert.Equal(-2.0, Math.Round(plots[0].Best!.Value.X, 9));
        Assert.Equal("trainer.onDivergence (0 = stop, 1 = recover)", plots[1].XLabel);
        Assert.Equal([0.0, 1.0], plots[1].Points.Select(p => p.X));
        Assert.Equal((1.0, 0.3), (plots[1].Best!.Value.X, plots[1].Best!.Value.Y));
    }
}

/// <summary>The New sweep form: preview, an error naming the field, then queueing opens the sweep's page.</summary>
public sealed class NewSweepPageTests
{
    [Fact]
    public async Task The_form_previews_refuses_an_unknown_field_by_name_and_queues_a_sweep_from_a_runs_spec()
    {
        using var app = new WorkbenchApp();
        var (alpha, a) = await app.CreateTeamAsync("alpha");
        var source = await app.Get<RunStore>().CreateAsync(new NewRun(alpha.Id, a.Id, "baseline",
            $$"""{"dataset":{"path":"{{WorkbenchApp.DatasetName}}"},"trainer":{"maxEpochs":7},"seed":3}""", null));

        await using var context = new BunitContext();
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        context.Services.AddMudServices();
        context.Services.AddSingleton(app.Get<SweepService>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Runs.RunQueue>());
        context.Services.AddSingleton(app.Get<Sensorium.Web.Features.Datasets.DatasetRegistry>());
        context.AddAuthorization().SetAuthorized(a.UserName)
            .SetClaims(new Claim(ClaimTypes.NameIdentifier, a.Id.ToString()), new Claim(WorkbenchClaims.TeamId, alpha.Id.ToString()));
        var navigation = context.Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        navigation.NavigateTo($"/sweeps/new?from={source.Id}");
        var cut = context.Render<NewSweepPage>();
        cut.WaitForAssertion(() => Assert.Contains("\"maxEpochs\": 7", cut.Find(".sweep-base textarea").GetAttribute("value") ?? cut.Find(".sweep-base textarea").TextContent));

        cut.Find("button.sweep-preview").Click();
        cut.WaitForAssertion(() => Assert.Contains("2 runs", cut.Find(".sweep-preview-count").TextContent));

        cut.Find(".sweep-axis-field input").Change("trainer.lr");
        cut.Find("button.sweep-queue").Click();
        cut.WaitForAssertion(() => Assert.Contains("is not a field of the run spec", cut.Find(".sweep-error[data-field='trainer.lr']").TextContent));
        Assert.Empty(await app.Get<SweepService>().ListAsync(alpha.Id));

        cut.Find(".sweep-axis-field input").Change("seed");
        cut.Find(".sweep-axis-values input").Change("1,2,3");
        cut.Find("button.sweep-queue").Click();
        cut.WaitForAssertion(() => Assert.Matches(@"/sweeps/\d+$", navigation.Uri));
        var created = Assert.Single(await app.Get<SweepService>().ListAsync(alpha.Id));
        Assert.Equal(3, created.Runs);
        var (_, runs) = (await app.Get<SweepService>().GetAsync(alpha.Id, created.Id))!.Value;
        Assert.All(runs, r => Assert.Contains("\"maxEpochs\": 7", r.SpecJson)); // the base came from the run
        Assert.Equal(["1", "2", "3"], runs.Select(r => System.Text.Json.Nodes.JsonNode.Parse(r.SpecJson)!["seed"]!.ToJsonString()));
    }
}
